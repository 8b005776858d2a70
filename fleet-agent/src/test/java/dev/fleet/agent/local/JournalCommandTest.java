package dev.fleet.agent.local;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The journalctl command line the local API runs for a journal request. */
class JournalCommandTest {
    @Test
    void outputModeIsPassedOnlyWhenOneOfJournalctls() {
        assertThat(LocalApi.journalctl("a.service", 10, false, null))
                .containsExactly("journalctl", "--no-pager", "-n", "10", "--unit=a.service");
        assertThat(LocalApi.journalctl("a.service", 5, true, "json-pretty"))
                .containsExactly("journalctl", "--no-pager", "-n", "5", "-f", "--output=json-pretty", "--unit=a.service");
        assertThat(LocalApi.journalctl("a.service", 5, false, "")).doesNotContain("--output=");
        assertThat(LocalApi.journalctl("a.service", 5, false, null, true)).endsWith("--user-unit=a.service");
        assertThatThrownBy(() -> LocalApi.journalctl("a.service", 5, false, "json --all"))
                .hasMessageStartingWith("output must be one of journalctl's modes");
    }
}
