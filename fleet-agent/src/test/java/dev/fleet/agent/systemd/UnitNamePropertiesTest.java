package dev.fleet.agent.systemd;

import dev.fleet.agent.UnitsDirectory;
import dev.fleet.testing.Generated;
import dev.fleet.unit.UnitName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * "The API accepts it ⇒ this agent can write, link and start it", over generated names: the API's rule
 * ({@link UnitName}) against the agent's own checks, its units directory and systemd's object-path escaping.
 */
class UnitNamePropertiesTest {
    private static final Path UNITS = Path.of("/run/fleet/units");

    static String name(Generated g) {
        // mostly valid characters, a few that are not, some lengths around systemd's limit
        String stem = switch (g.between(0, 2)) {
            case 0 -> g.string("aZ09:_.-\\@", 12);
            case 1 -> g.string("aZ09:_.-\\@/ é%\u0000\n=", 12);
            default -> "x".repeat(g.between(240, 250));
        };
        // sorted: Set.of has no fixed order, and a seed must replay the same names
        String suffix = g.bool() ? g.oneOf(UnitName.TYPES.stream().sorted().toArray(String[]::new))
                : g.oneOf("busname", "snapshot", "Service", "exe", "");
        return stem + "." + suffix;
    }

    @Test
    void whatTheApiAcceptsTheAgentWritesLinksAndAddresses() {
        int[] acceptedRefused = new int[2];
        Generated.check(1000, UnitNamePropertiesTest::name, name -> {
            boolean accepted = UnitName.isValid(name);
            acceptedRefused[accepted ? 0 : 1]++;
            if (!accepted) {
                assertThatThrownBy(() -> UnitNames.requireValid(name)).isInstanceOf(IllegalArgumentException.class);
                return;
            }
            assertThat(UnitNames.requireValid(name)).isEqualTo(name);
            Path file = new UnitsDirectory(UNITS).pathOf(name);
            assertThat(file.getParent()).isEqualTo(UNITS);
            assertThat(file.getFileName().toString()).isEqualTo(name);
            assertThat(name.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255); // NAME_MAX of a file
            assertThat(UnitNames.requireUnitFile(file)).isEqualTo(UNITS + "/" + name);
            assertThat(UnitName.TYPES).contains(UnitNames.type(name));
            assertThat(DbusSystemd.typeInterface(name)).startsWith("org.freedesktop.systemd1.");
            // systemd's object path of the unit: one element of [A-Za-z0-9_], and back to the same name
            String path = UnitPaths.unitPath(name);
            assertThat(path.substring(UnitPaths.UNIT_PREFIX.length())).matches("[A-Za-z0-9_]+");
            assertThat(UnitPaths.unitName(path)).contains(name);
        });
        // a generator that made (almost) only one kind of name would test nothing
        assertThat(java.util.Arrays.stream(acceptedRefused).boxed().toList()).as("accepted, refused of 1000").allMatch(n -> n > 200);
    }
}
