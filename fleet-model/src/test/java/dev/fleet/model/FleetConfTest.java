package dev.fleet.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FleetConfTest {

    @Test
    void fleetsIniSyntax() {
        Map<String, String> m = FleetConf.parse("""
                # comment
                ; comment
                [ignored section]
                Metadata = 'region=eu'
                public_ip="10.0.0.1"
                agent_ttl=30s
                agent_ttl=45s
                """);
        assertThat(m).containsExactly(Map.entry("metadata", "region=eu"), Map.entry("public_ip", "10.0.0.1"),
                Map.entry("agent_ttl", "45s"));
        assertThatThrownBy(() -> FleetConf.parse("ok=1\noops")).hasMessage("line 2: expected key=value, got 'oops'");
    }

    @Test
    void goDurationsAndBooleans() {
        assertThat(FleetConf.duration("k", "1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(FleetConf.duration("k", "1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(FleetConf.duration("k", "12")).isEqualTo(Duration.ofSeconds(12));
        assertThatThrownBy(() -> FleetConf.duration("agent_ttl", "soon")).hasMessageStartingWith("agent_ttl 'soon' is not a duration");
        assertThatThrownBy(() -> FleetConf.duration("k", "9999999999h")).isInstanceOf(FleetConf.OutOfRange.class)
                .hasMessageContaining("too long");
        assertThatThrownBy(() -> FleetConf.duration("k", "99999999999999")).isInstanceOf(FleetConf.OutOfRange.class);
        assertThat(FleetConf.bool("k", "True")).isTrue();
        assertThat(FleetConf.bool("k", "0")).isFalse();
        assertThatThrownBy(() -> FleetConf.bool("disable_engine", "yes")).hasMessage("disable_engine 'yes' is not a boolean (true or false)");
    }
}
