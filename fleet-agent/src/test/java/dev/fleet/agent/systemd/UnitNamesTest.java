package dev.fleet.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class UnitNamesTest {

    @Test
    void acceptsUnitNames() {
        assertThat(UnitNames.requireValid("hello.service")).isEqualTo("hello.service");
        assertThat(UnitNames.requireValid("web@8080.service")).isEqualTo("web@8080.service");
        assertThat(UnitNames.requireValid("web@.service")).isEqualTo("web@.service");
        assertThat(UnitNames.requireValid("a@b@c.service")).isEqualTo("a@b@c.service"); // systemd allows "@" in an instance
        assertThat(UnitNames.requireValid("x".repeat(247) + ".service")).hasSize(255);
        assertThat(UnitNames.type("a.b.timer")).isEqualTo("timer");
        assertThat(DbusSystemd.typeInterface("a.service")).isEqualTo("org.freedesktop.systemd1.Service");
    }

    @Test
    void rejectsWhatIsNotAUnitName() {
        for (String bad : new String[] {"", "hello", "../etc/passwd.service", "a/b.service", "a.exe", "a b.service",
                "x".repeat(248) + ".service", ".hidden.service", "a.busname", "a.snapshot", "a%2F%2Fb.service",
                "a\0.service", "@a.service", "a@1.mount"}) {
            assertThatThrownBy(() -> UnitNames.requireValid(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> UnitNames.requireValid(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnitNames.requireValid("a//b.service")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a unit name (invalid character '/' in unit name): a//b.service");
    }

    @Test
    void unitFilesAreAbsoluteNormalizedAndNamedLikeUnits() {
        assertThat(UnitNames.requireUnitFile(Path.of("/run/fleet/units/a.service"))).isEqualTo("/run/fleet/units/a.service");
        assertThatThrownBy(() -> UnitNames.requireUnitFile(Path.of("a.service"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnitNames.requireUnitFile(Path.of("/run/../etc/a.service"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnitNames.requireUnitFile(Path.of("/etc/passwd"))).isInstanceOf(IllegalArgumentException.class);
    }
}
