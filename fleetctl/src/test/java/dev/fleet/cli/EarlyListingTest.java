package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import jakarta.json.Json;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The listing reads fleetctl starts before picocli has parsed the command line. */
class EarlyListingTest {
    static Optional<EarlyListing> plan(Map<String, String> env, String... args) {
        return EarlyListing.plan(args, env);
    }

    @Test
    void listVerbsReadTheirListingsWithTheOptionsGiven() {
        assertThat(plan(Map.of(), "list-units")).contains(
                new EarlyListing("http://127.0.0.1:4001", "3.0", List.of(FleetClient.STATES, FleetClient.MACHINES)));
        assertThat(plan(Map.of(), "--endpoint", "http://a:1", "--request-timeout", "5", "list-machines", "-l")).contains(
                new EarlyListing("http://a:1", "5", List.of(FleetClient.MACHINES)));
        assertThat(plan(Map.of("FLEETCTL_ENDPOINT", "http://env:2"), "list-unit-files")).contains(
                new EarlyListing("http://env:2", "3.0", List.of(FleetClient.UNITS, FleetClient.MACHINES)));
        // the command line wins over the environment, as picocli has it
        assertThat(plan(Map.of("FLEETCTL_ENDPOINT", "http://env:2"), "--endpoint=http://flag:3", "list-units"))
                .map(EarlyListing::endpoints).contains("http://flag:3");
    }

    @Test
    void nothingIsReadEarlyForOtherVerbsAbbreviationsOrDebugOutput() {
        assertThat(plan(Map.of(), "start", "list-units")).isEmpty();
        assertThat(plan(Map.of(), "list-u")).isEmpty();
        assertThat(plan(Map.of(), "--debug", "list-units")).isEmpty();
        assertThat(plan(Map.of(), "--debug=false", "list-units")).isEmpty();
        assertThat(plan(Map.of("FLEETCTL_DEBUG", "1"), "list-units")).isEmpty();
        assertThat(plan(Map.of(), "--endpoint")).isEmpty();
        assertThat(plan(Map.of(), "--", "list-units")).isEmpty();
        assertThat(plan(Map.of())).isEmpty();
    }

    @Test
    void theEarlyReadsServeTheRunWhenItsOptionsMatchAndAreIgnoredWhenNot() throws Exception {
        try (FakeFleet used = new FakeFleet(); FakeFleet other = new FakeFleet()) {
            used.machines.add(Json.createObjectBuilder().add("id", "m1aaaaaaaaaaaaaa").add("primaryIP", "10.0.0.1").build());
            used.states.add(Json.createObjectBuilder().add("name", "a.service").add("machineID", "m1aaaaaaaaaaaaaa")
                    .add("systemdActiveState", "active").add("systemdSubState", "running").build());
            String[] args = {"--endpoint=" + used.url(), "list-units"};

            String out = run(args, plan(Map.of(), args).orElseThrow());
            assertThat(out).isEqualTo("UNIT\t\tMACHINE\t\t\tACTIVE\tSUB\na.service\tm1aaaaaa.../10.0.0.1\tactive\trunning\n");
            // read once, early, not again by the command
            assertThat(used.requests).containsExactlyInAnyOrder("GET /fleet/v1/state", "GET /fleet/v1/machines");

            // a guess that differs from what picocli parsed (another endpoint) is not used
            used.requests.clear();
            String guessedElsewhere = run(args, new EarlyListing(other.url(), "3.0", List.of(FleetClient.STATES, FleetClient.MACHINES)));
            assertThat(guessedElsewhere).isEqualTo(out);
            assertThat(used.requests).containsExactlyInAnyOrder("GET /fleet/v1/state", "GET /fleet/v1/machines");
            // ... nor one with another timeout
            used.requests.clear();
            assertThat(run(args, new EarlyListing(used.url(), "9", List.of(FleetClient.STATES)))).isEqualTo(out);
            // (the unused early read may still be under way when the command is done)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(used.requests)
                    .containsExactlyInAnyOrder("GET /fleet/v1/state", "GET /fleet/v1/state", "GET /fleet/v1/machines"));
        }
    }

    private static String run(String[] args, EarlyListing early) {
        Captured r = Captured.run(early.start(), args);
        assertThat(r.code()).as(r.err()).isZero();
        return r.out();
    }
}
