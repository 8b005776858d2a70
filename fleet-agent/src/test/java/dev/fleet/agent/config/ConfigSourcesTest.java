package dev.fleet.agent.config;

import dev.fleet.agent.config.ConfigSources.ConfigException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigSourcesTest {

    @Test
    void laterSourcesWin() {
        Map<String, String> file = ConfigSources.parseFile("""
                # fleet.conf
                endpoint=http://10.0.0.1:4001
                metadata="region=eu,disk=ssd"
                agent_ttl=10s
                etcd_servers=["http://x"]
                """);
        Map<String, String> env = ConfigSources.fromEnvironment(Map.of("FLEET_AGENT_TTL", "20s", "FLEET_PUBLIC_IP", "10.0.0.5", "HOME", "/root"));
        AgentConfig c = ConfigSources.merge(file, env, Map.of("agent_ttl", "1m30s"));
        assertThat(c.endpoints()).containsExactly(URI.create("http://10.0.0.1:4001"));
        assertThat(c.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("region", "eu", "disk", "ssd"));
        assertThat(c.ttl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.publicIp()).isEqualTo("10.0.0.5");
        assertThat(c.unitsDirectory()).isEqualTo(Path.of("/run/fleet/units"));
        assertThat(c.agentPort()).isEqualTo(4002);
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.republishInterval()).isEqualTo(Duration.ofSeconds(72));
    }

    @Test
    void fleetMetadataSyntax() {
        assertThat(ConfigSources.metadata(" a = 1 , b=x=y,a=2 ")).containsExactly(Map.entry("a", "2"), Map.entry("b", "x=y"));
        assertThatThrownBy(() -> ConfigSources.metadata("novalue")).isInstanceOf(ConfigException.class).hasMessageContaining("'novalue' is not key=value");
    }

    @Test
    void goDurations() {
        assertThat(ConfigSources.duration("t", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigSources.duration("t", "1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
        assertThat(ConfigSources.duration("t", "1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ConfigSources.duration("t", "42")).isEqualTo(Duration.ofSeconds(42));
        assertThatThrownBy(() -> ConfigSources.duration("agent_ttl", "soon")).hasMessage("agent_ttl 'soon' is not a duration (e.g. 30s, 1m30s, 500ms, or seconds)");
        assertThatThrownBy(() -> ConfigSources.duration("agent_ttl", "5s5")).isInstanceOf(ConfigException.class);
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> ConfigSources.merge(Map.of())).hasMessageContaining("--endpoint");
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "ftp://x"))).hasMessageContaining("not an http:// or https:// URL");
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "http://x", "public_ip", "300.1.1.1"))).hasMessageContaining("not an IPv4");
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "http://x", "agent_ttl", "100ms"))).hasMessageContaining("outside 1s..1h");
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "http://x", "units_directory", "run/x"))).hasMessageContaining("absolute");
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "http://x", "agent_port", "70000"))).hasMessageContaining("outside 0..65535");
        assertThatThrownBy(() -> ConfigSources.parseFile("oops")).hasMessageContaining("line 1");
    }

    @Test
    void aFleetV1ConfFileCarriesOver() {
        Map<String, String> file = ConfigSources.parseFile("""
                # written for fleet v1.0
                etcd_servers=["http://10.0.0.1:4001","http://10.0.0.2:4001"]
                metadata='region=us-west,disk = ssd'
                public_ip="fd77::1"
                agent_ttl=45s
                etcd_cafile=/etc/ssl/etcd/ca.pem
                engine_reconcile_interval=2
                verify_units=false
                """);
        AgentConfig c = ConfigSources.merge(file);
        assertThat(c.endpoints()).containsExactly(java.net.URI.create("http://10.0.0.1:4001"), java.net.URI.create("http://10.0.0.2:4001"));
        assertThat(c.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("region", "us-west", "disk", "ssd"));
        assertThat(c.publicIp()).isEqualTo("fd77::1");
        assertThat(c.ttl()).isEqualTo(java.time.Duration.ofSeconds(45));
        assertThat(c.tls()).isEqualTo(new AgentConfig.TlsFiles(java.nio.file.Path.of("/etc/ssl/etcd/ca.pem"), null, null));
        assertThat(ConfigSources.notes(file)).containsExactly(
                "engine_reconcile_interval is ignored: a control-plane setting: give it to bin/fleet-node",
                "verify_units is ignored: deprecated in fleet");
    }

    @Test
    void etcdServersInEveryFormFleetTook() {
        assertThat(ConfigSources.serverList("http://a:4001,http://b:4001")).isEqualTo("http://a:4001,http://b:4001");
        assertThat(ConfigSources.serverList("[\"http://a:4001\", 'http://b:4001']")).isEqualTo("http://a:4001,http://b:4001");
        // endpoint wins over etcd_servers, and the note says so
        Map<String, String> both = Map.of("endpoint", "http://c:4001", "etcd_servers", "http://a:4001");
        assertThat(ConfigSources.merge(both).endpoints()).containsExactly(java.net.URI.create("http://c:4001"));
        assertThat(ConfigSources.notes(both)).containsExactly("etcd_servers is ignored: endpoint is given");
    }

    @Test
    void publicIpIsALiteralNeverAName() {
        assertThat(ConfigSources.ipLiteral("10.1.2.3")).isEqualTo("10.1.2.3");
        assertThat(ConfigSources.ipLiteral("[::1]")).isEqualTo("::1");
        for (String bad : new String[] {"localhost", "example.com", "1.2.3", "::g", "fe80::1%eth0"}) {
            assertThatThrownBy(() -> ConfigSources.ipLiteral(bad)).as(bad).hasMessageContaining("not an IPv4 or IPv6 address");
        }
    }

    @Test
    void systemdUserRunsUnitsFromTheUsersRuntimeDirectory() {
        AgentConfig c = ConfigSources.merge(Map.of("xdg_runtime_dir", "/run/user/1000"), Map.of("endpoint", "http://x", "systemd_user", "true"));
        assertThat(c.systemdUser()).isTrue();
        assertThat(c.unitsDirectory()).isEqualTo(java.nio.file.Path.of("/run/user/1000/fleet/units"));
        assertThat(ConfigSources.merge(Map.of("endpoint", "http://x", "systemd_user", "0")).systemdUser()).isFalse();
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "http://x", "systemd_user", "true")))
                .hasMessageContaining("XDG_RUNTIME_DIR");
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "http://x", "systemd_user", "yes-please")))
                .hasMessageContaining("systemd_user 'yes-please' is not a boolean (true or false)");
    }

    @Test
    void fleetsTlsFilesNameTheControlPlanesCaAndThisMachinesCertificate() {
        AgentConfig c = ConfigSources.merge(Map.of("endpoint", "https://n1:4001", "etcd_cafile", "/etc/fleet/ca.pem",
                "etcd_certfile", "/etc/fleet/m1.pem", "etcd_keyfile", "/etc/fleet/m1-key.pem"));
        assertThat(c.tls().certFile()).isEqualTo(java.nio.file.Path.of("/etc/fleet/m1.pem"));
        assertThat(ConfigSources.merge(Map.of("endpoint", "http://n1:4001")).tls()).isNull();
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "http://x", "etcd_certfile", "/c.pem")))
                .hasMessageContaining("come together");
        assertThatThrownBy(() -> ConfigSources.merge(Map.of("endpoint", "http://x", "etcd_cafile", "ca.pem")))
                .hasMessage("etcd_cafile 'ca.pem' must be an absolute path");
    }
}
