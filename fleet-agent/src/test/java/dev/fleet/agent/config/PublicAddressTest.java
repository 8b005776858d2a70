package dev.fleet.agent.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PublicAddressTest {

    static final String ROUTES = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
            eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
            eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
            down0\t00000000\t0100000B\t0002\t0\t0\t1\t00000000\t0\t0\t0
            """;

    @Test
    void theDefaultRouteWithTheLowestMetricThatIsUp() {
        assertThat(PublicAddress.defaultRouteInterface(ROUTES)).contains("eth0");
        assertThat(PublicAddress.defaultRouteInterface(ROUTES.lines().filter(l -> !l.startsWith("eth0")).reduce("", (a, b) -> a + b + "\n")))
                .contains("wlan0");
        assertThat(PublicAddress.defaultRouteInterface("Iface\tDestination\n")).isEmpty();
        assertThat(PublicAddress.defaultRouteInterface("eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n")).isEmpty();
    }

    @Test
    void theFirstGlobalUnicastIpv4() throws Exception {
        List<InetAddress> addrs = List.of(InetAddress.getByName("fe80::1"), InetAddress.getByName("169.254.0.7"),
                InetAddress.getByName("127.0.0.1"), InetAddress.getByName("10.77.1.3"), InetAddress.getByName("192.168.1.9"));
        assertThat(PublicAddress.firstGlobalUnicastIPv4(addrs)).contains("10.77.1.3");
        assertThat(PublicAddress.firstGlobalUnicastIPv4(List.of(InetAddress.getByName("::1")))).isEmpty();
    }
}
