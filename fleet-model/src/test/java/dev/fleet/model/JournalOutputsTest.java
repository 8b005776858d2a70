package dev.fleet.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JournalOutputsTest {
    @Test
    void onlyJournalctlsModes() {
        for (String m : new String[] {"short", "short-iso", "short-precise", "short-monotonic", "verbose", "export", "json",
                "json-pretty", "json-sse", "cat"}) {
            assertThat(JournalOutputs.isValid(m)).as(m).isTrue();
        }
        for (String m : new String[] {"", "JSON", "json ", "--all", "short;id", "cat\n", null}) {
            assertThat(JournalOutputs.isValid(m)).as(String.valueOf(m)).isFalse();
        }
        assertThat(JournalOutputs.invalid("x")).startsWith("output must be one of journalctl's modes (short, short-full,")
                .endsWith("), not \"x\"");
    }
}
