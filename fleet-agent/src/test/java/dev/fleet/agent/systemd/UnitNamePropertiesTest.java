package dev.fleet.agent.systemd;

import dev.fleet.agent.UnitsDirectory;
import dev.fleet.unit.UnitName;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

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

    @Provide
    Arbitrary<String> names() {
        // mostly valid characters, a few that are not, some lengths around systemd's limit
        Arbitrary<String> stem = Arbitraries.oneOf(
                Arbitraries.strings().withChars("aZ09:_.-\\@").ofMinLength(0).ofMaxLength(12),
                Arbitraries.strings().withChars("aZ09:_.-\\@/ é%\u0000\n=").ofMinLength(0).ofMaxLength(12),
                Arbitraries.integers().between(240, 250).map("x"::repeat));
        Arbitrary<String> suffix = Arbitraries.oneOf(Arbitraries.of(UnitName.TYPES),
                Arbitraries.of("busname", "snapshot", "Service", "exe", ""));
        return Combinators.combine(stem, suffix).as((s, t) -> s + "." + t);
    }

    @Property(tries = 1000)
    @StatisticsReport(onFailureOnly = true)
    void whatTheApiAcceptsTheAgentWritesLinksAndAddresses(@ForAll("names") String name) {
        boolean accepted = UnitName.isValid(name);
        Statistics.label("API").collect(accepted ? "accepts" : "refuses");
        // a generator that made (almost) only one kind of name would test nothing
        Statistics.label("API").coverage(c -> {
            c.check("accepts").percentage(p -> p > 20);
            c.check("refuses").percentage(p -> p > 20);
        });
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
    }
}
