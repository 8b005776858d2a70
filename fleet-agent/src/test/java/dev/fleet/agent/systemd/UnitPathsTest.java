package dev.fleet.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnitPathsTest {

    @Test
    void escapesLikeSystemd() {
        // values as systemd shows them (busctl tree org.freedesktop.systemd1)
        assertThat(UnitPaths.unitPath("sshd.service")).isEqualTo("/org/freedesktop/systemd1/unit/sshd_2eservice");
        assertThat(UnitPaths.escape("systemd-journald.socket")).isEqualTo("systemd_2djournald_2esocket");
        assertThat(UnitPaths.escape("getty@tty1.service")).isEqualTo("getty_40tty1_2eservice");
        assertThat(UnitPaths.escape("1abc.service")).isEqualTo("_31abc_2eservice"); // a leading digit is escaped
        assertThat(UnitPaths.escape("a1.service")).isEqualTo("a1_2eservice");
        assertThat(UnitPaths.escape("dev-disk-by\\x2dlabel.device")).isEqualTo("dev_2ddisk_2dby_5cx2dlabel_2edevice");
        assertThat(UnitPaths.escape("")).isEqualTo("_");
        assertThat(UnitPaths.escape("ü")).isEqualTo("_c3_bc"); // bytes of UTF-8
    }

    @Test
    void unescapeIsTheInverse() {
        for (String name : new String[] {"sshd.service", "getty@tty1.service", "1abc.service", "x:y_z-1.timer", "", "ü.service"}) {
            assertThat(UnitPaths.unescape(UnitPaths.escape(name))).contains(name);
        }
        assertThat(UnitPaths.unitName("/org/freedesktop/systemd1/unit/fleet_2dhello_2eservice")).contains("fleet-hello.service");
    }

    @Test
    void pathsThatAreNotOfAUnitHaveNoName() {
        assertThat(UnitPaths.unitName("/org/freedesktop/systemd1/job/12")).isEmpty();
        assertThat(UnitPaths.unitName("/org/freedesktop/systemd1/unit/")).isEmpty();
        assertThat(UnitPaths.unitName("/org/freedesktop/systemd1/unit/a/b")).isEmpty();
        assertThat(UnitPaths.unitName("/org/freedesktop/systemd1/unit/bad_2")).isEmpty(); // truncated escape
        assertThat(UnitPaths.unitName("/org/freedesktop/systemd1/unit/bad_zz")).isEmpty();
        assertThat(UnitPaths.unitName(null)).isEmpty();
    }

    @Test
    void pathsOverDbusJavasLimitAreNotReachable() {
        // 31 characters of prefix, the name's letters, "_2e" for the dot, "service": 255 at most
        assertThat(UnitPaths.reachable("a".repeat(214) + ".service")).isTrue();
        assertThat(UnitPaths.unitPath("a".repeat(214) + ".service")).hasSize(255);
        assertThat(UnitPaths.reachable("a".repeat(215) + ".service")).isFalse();
        assertThat(UnitPaths.reachable("a-".repeat(60) + ".service")).as("an escaped character takes three").isFalse();
        assertThat(UnitPaths.reachable("l".repeat(247) + ".service")).as("the longest name the API accepts").isFalse();
    }
}
