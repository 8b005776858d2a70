package dev.fleet.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;
import org.junit.jupiter.api.Test;

class SystemdValuesTest {

    @Test
    void invocationIdIs32LowercaseHexOrEmpty() {
        byte[] id = new byte[16];
        for (int i = 0; i < 16; i++) {
            id[i] = (byte) (0xa0 + i);
        }
        assertThat(SystemdValues.hexId(id)).isEqualTo("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
        assertThat(SystemdValues.hexId(new byte[0])).isEmpty();
        assertThat(SystemdValues.hexId(new byte[16])).isEmpty();
        assertThat(SystemdValues.render(new Variant<>(id))).isEqualTo("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
        assertThat(SystemdValues.render(List.of((byte) 1, (byte) 0xff))).isEqualTo("01ff");
    }

    @Test
    void rendersNumbersPathsAndUnsetCounters() {
        assertThat(SystemdValues.render(new Variant<>(new UInt32(4242)))).isEqualTo("4242");
        assertThat(SystemdValues.render(new UInt64(1_795_827_326_902_862L))).isEqualTo("1795827326902862");
        assertThat(SystemdValues.render(new UInt64(UInt64.MAX_BIG_VALUE))).isEqualTo(SystemdValues.NOT_SET);
        assertThat(SystemdValues.render(203)).isEqualTo("203");
        assertThat(SystemdValues.render(new DBusPath("/org/freedesktop/systemd1/job/7"))).isEqualTo("/org/freedesktop/systemd1/job/7");
        assertThat(SystemdValues.render(true)).isEqualTo("yes");
        assertThat(SystemdValues.render(null)).isEmpty();
        assertThat(SystemdValues.render(new Variant<>("active"))).isEqualTo("active");
    }
}
