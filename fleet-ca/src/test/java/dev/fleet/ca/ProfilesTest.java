package dev.fleet.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

import dev.fleet.ca.Profiles.Kind;
import dev.fleet.ca.Profiles.Profile;
import dev.fleet.ca.Profiles.Request;
import dev.fleet.ca.Profiles.Role;

class ProfilesTest {
    @Test
    void nodeIsServerAndClientWithItsAddresses() {
        Profile p = Profiles.profile(new Request(Kind.node, "n1", List.of("10.0.0.1", "::1"), List.of("n1.fleet.local"), null, null, 30));
        assertThat(p.commonName()).isEqualTo("n1");
        assertThat(p.unit()).isEqualTo("node");
        assertThat(p.serverAuth()).isTrue();
        assertThat(p.clientAuth()).isTrue();
        assertThat(p.ips()).containsExactly("10.0.0.1", "::1");
        assertThat(p.dns()).containsExactly("n1.fleet.local");
        assertThat(Certs.extendedKeyUsages(p)).containsExactly(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
        assertThat(Certs.subject(p).toString()).isEqualTo("O=fleet,OU=node,CN=n1");
        assertThat(Certs.altNames(p)).hasSize(3);
    }

    @Test
    void agentIsNamedByItsMachineId() {
        Profile p = Profiles.profile(new Request(Kind.agent, "web1", List.of(), List.of(), null, "0123456789abcdef0123456789abcdef", 30));
        assertThat(p.commonName()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(p.unit()).isEqualTo("agent");
        assertThat(p.serverAuth()).isTrue();
        assertThat(p.clientAuth()).isTrue();
    }

    @Test
    void clientCarriesItsRoleAndIsClientOnly() {
        Profile p = Profiles.profile(new Request(Kind.client, "alice", List.of(), List.of(), Role.operate, null, 30));
        assertThat(p.unit()).isEqualTo("operate");
        assertThat(p.serverAuth()).isFalse();
        assertThat(Certs.extendedKeyUsages(p)).containsExactly(KeyPurposeId.id_kp_clientAuth);
        assertThat(Certs.altNames(p)).isEmpty();
        assertThat(Profiles.profile(new Request(Kind.client, "bob", List.of(), List.of(), null, null, 30)).unit()).isEqualTo("read");
    }

    @Test
    void badInputIsAUsageError() {
        assertThatThrownBy(() -> Profiles.profile(new Request(Kind.node, "n1", List.of("300.1.1.1"), List.of(), null, null, 30)))
                .isInstanceOf(UsageError.class).hasMessage("--ip: '300.1.1.1' is not an IPv4 or IPv6 address");
        assertThatThrownBy(() -> Profiles.checkIp("example.com")).isInstanceOf(UsageError.class);
        assertThatThrownBy(() -> Profiles.checkIp("1::2::3")).isInstanceOf(UsageError.class);
        assertThatThrownBy(() -> Profiles.checkDns("bad_name.com")).isInstanceOf(UsageError.class);
        assertThatThrownBy(() -> Profiles.checkDns("10.0.0.1")).hasMessageContaining("use --ip");
        assertThatThrownBy(() -> Profiles.profile(new Request(Kind.node, "n1", List.of(), List.of(), null, null, 30)))
                .hasMessageContaining("needs --ip or --dns");
        assertThatThrownBy(() -> Profiles.profile(new Request(Kind.node, "n1", List.of("10.0.0.1"), List.of(), Role.admin, null, 30)))
                .hasMessageContaining("--role is for client certificates");
        assertThatThrownBy(() -> Profiles.profile(new Request(Kind.agent, "a", List.of(), List.of(), null, null, 30)))
                .hasMessageContaining("--machine-id");
        assertThatThrownBy(() -> Profiles.profile(new Request(Kind.client, "../x", List.of(), List.of(), null, null, 30)))
                .hasMessageStartingWith("--name: '../x' is not a name");
        assertThatThrownBy(() -> Profiles.profile(new Request(Kind.client, "c", List.of("10.0.0.1"), List.of(), null, null, 30)))
                .hasMessageContaining("not client ones");
        assertThatThrownBy(() -> Profiles.checkDays(0)).hasMessageContaining("--days");
        assertThatThrownBy(() -> Profiles.role("root")).hasMessage("--role: 'root' is not one of read, operate, admin");
        assertThatThrownBy(() -> Profiles.kind("server")).hasMessage("--kind: 'server' is not one of node, agent, client");
        Profiles.checkIp("fe80::1");
        Profiles.checkIp("::ffff:10.0.0.1");
        Profiles.checkDns("*.fleet.example.com");
    }
}
