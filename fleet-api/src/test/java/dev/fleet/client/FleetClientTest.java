package dev.fleet.client;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FleetClientTest {
    static final List<URI> ONE = List.of(URI.create("http://127.0.0.1:4001/"));

    @Test
    void theTimeoutsAreTheOnesInUse() {
        FleetClient c = new FleetClient(ONE, Duration.ofMillis(1500), Duration.ofSeconds(3), null);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.rotated(1).readTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.endpoints()).containsExactly(URI.create("http://127.0.0.1:4001"));
        // whole milliseconds, at least one: a zero timeout would mean none at all
        FleetClient tiny = new FleetClient(ONE, Duration.ofNanos(10), Duration.ZERO, null);
        assertThat(tiny.connectTimeout()).isEqualTo(Duration.ofMillis(1));
        assertThat(tiny.readTimeout()).isEqualTo(Duration.ofMillis(1));
        assertThat(new FleetClient(ONE, Duration.ofNanos(2_500_000), Duration.ofDays(60), null).connectTimeout())
                .isEqualTo(Duration.ofMillis(2));
        assertThat(new FleetClient(ONE).readTimeout()).isEqualTo(Duration.ofSeconds(10));
    }
}
