package dev.fleet.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.fleet.agent.systemd.SystemdPort.UnitState;

class UnitStateTrackerTest {

    private final UnitStateTracker tracker = new UnitStateTracker();

    private static Map<String, String> unit(String active, String sub, String invocation) {
        return Map.of("ActiveState", active, "SubState", sub, "InvocationID", invocation);
    }

    @Test
    void mergesLoadStateReadOnceResultOfTheTypeAndTheUnitSignal() {
        tracker.merge("a.service", Map.of("LoadState", "loaded"));
        tracker.merge("a.service", Map.of("Result", "success"));
        tracker.merge("a.service", unit("active", "running", "ab"));
        assertThat(tracker.takeIfChanged("a.service")).contains(new UnitState("a.service", "loaded", "active", "running", "success", "ab"));
        assertThat(tracker.knowsLoadState("a.service")).isTrue();
        assertThat(tracker.knowsLoadState("b.service")).isFalse();
    }

    @Test
    void incompleteStatesAreNotDelivered() {
        tracker.merge("a.service", unit("active", "running", ""));
        assertThat(tracker.takeIfChanged("a.service")).isEmpty();
        assertThat(tracker.takeIfChanged("never-seen.service")).isEmpty();
    }

    @Test
    void repeatsOfTheSameStateAreDeliveredOnce() {
        tracker.merge("a.service", Map.of("LoadState", "loaded"));
        tracker.merge("a.service", unit("active", "running", "01"));
        assertThat(tracker.takeIfChanged("a.service")).isPresent();
        tracker.merge("a.service", unit("active", "running", "01")); // systemd repeats unchanged ActiveStates
        assertThat(tracker.takeIfChanged("a.service")).isEmpty();
        tracker.merge("a.service", unit("active", "running", "02")); // the invocation alone is no new state
        assertThat(tracker.takeIfChanged("a.service")).isEmpty();
        tracker.merge("a.service", Map.of("Result", "exit-code"));
        tracker.merge("a.service", unit("failed", "failed", "02"));
        assertThat(tracker.takeIfChanged("a.service")).contains(new UnitState("a.service", "loaded", "failed", "failed", "exit-code", "02"));
        tracker.merge("a.service", Map.of("Result", "success")); // reset-failed: same states, new result
        tracker.merge("a.service", unit("failed", "failed", "02"));
        assertThat(tracker.takeIfChanged("a.service")).map(UnitState::result).contains("success");
    }

    @Test
    void aUnitUnloadedAndLoadedAgainInTheSameStateIsNotDeliveredAgain() {
        tracker.merge("a.service", Map.of("LoadState", "loaded"));
        tracker.merge("a.service", unit("inactive", "dead", ""));
        assertThat(tracker.takeIfChanged("a.service")).isPresent();
        tracker.forget("a.service");
        assertThat(tracker.names()).isEmpty();
        assertThat(tracker.knowsLoadState("a.service")).isFalse(); // read again when it comes back
        tracker.merge("a.service", Map.of("LoadState", "loaded"));
        tracker.merge("a.service", unit("inactive", "dead", ""));
        assertThat(tracker.takeIfChanged("a.service")).isEmpty();
        tracker.merge("a.service", unit("active", "running", "03"));
        assertThat(tracker.takeIfChanged("a.service")).isPresent();
    }

    @Test
    void unitsAreTrackedSeparately() {
        tracker.merge("a.service", Map.of("LoadState", "loaded"));
        tracker.merge("b.service", Map.of("LoadState", "loaded"));
        tracker.merge("a.service", unit("active", "running", ""));
        tracker.merge("b.service", unit("active", "running", ""));
        assertThat(tracker.takeIfChanged("a.service")).isPresent();
        assertThat(tracker.takeIfChanged("b.service")).isPresent();
        assertThat(tracker.names()).containsExactlyInAnyOrder("a.service", "b.service");
    }
}
