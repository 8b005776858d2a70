package dev.fleet.unit;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Properties of the unit-file parser, canonical form and option validation, over generated input. */
class UnitFilePropertiesTest {

    /** Characters that mean something in a unit file, mixed with plain ones, so generated text hits every rule. */
    private static final String TRICKY = "aZ09-_.@= []#;\\\t\"'é\u0000\u0001\r\n";

    @Provide
    Arbitrary<UnitOption> options() {
        Arbitrary<String> section = Arbitraries.oneOf(Arbitraries.of("Unit", "Service", "X-Fleet", "Install"),
                Arbitraries.strings().withChars(TRICKY).ofMaxLength(6));
        Arbitrary<String> name = Arbitraries.oneOf(Arbitraries.of("ExecStart", "Description", "MachineOf", "Global"),
                Arbitraries.strings().withChars(TRICKY).ofMaxLength(6));
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.strings().withChars(TRICKY).ofMaxLength(12),
                Arbitraries.strings().ofMaxLength(12), // any Unicode, surrogates included
                Arbitraries.integers().between(2030, 2040).map(n -> "v".repeat(n) + "é")); // near the line limit
        return Combinators.combine(section, name, value).as(UnitOption::new);
    }

    @Provide
    Arbitrary<List<UnitOption>> validOptionLists() {
        return options().filter(o -> UnitValidation.optionError(o).isEmpty()).list().ofMaxSize(8);
    }

    /** What serialising does to the order: sections by first appearance, options in order within each. */
    private static List<UnitOption> groupedBySection(List<UnitOption> options) {
        Map<String, List<UnitOption>> bySection = new LinkedHashMap<>();
        options.forEach(o -> bySection.computeIfAbsent(o.section(), s -> new ArrayList<>()).add(o));
        return bySection.values().stream().flatMap(List::stream).toList();
    }

    @Property(tries = 1000)
    void validOptionsSurviveBeingWrittenAndReadBack(@ForAll("validOptionLists") List<UnitOption> options) {
        UnitFile written = UnitFile.of(options);
        UnitFile read = UnitFile.parse(written.canonical());
        assertThat(read.options()).isEqualTo(groupedBySection(options));
        // the hash addresses the text: stable through a round trip and a second serialisation
        assertThat(read.canonical()).isEqualTo(written.canonical());
        assertThat(read.hash()).isEqualTo(written.hash()).isEqualTo(UnitFile.of(options).hash());
        Statistics.label("options").collect(options.size() > 3 ? "4+" : String.valueOf(options.size()));
    }

    /** The hash is injective on what the validation accepts: two lists with one text are the same unit. */
    @Property(tries = 1000)
    void twoValidListsWithOneHashAreTheSameUnit(@ForAll("validOptionLists") List<UnitOption> a,
                                                @ForAll("validOptionLists") List<UnitOption> b) {
        assertThat(UnitFile.of(a).hash().equals(UnitFile.of(b).hash()))
                .isEqualTo(groupedBySection(a).equals(groupedBySection(b)));
    }

    @Provide
    Arbitrary<String> unitFileText() {
        Arbitrary<String> line = Arbitraries.oneOf(
                Arbitraries.strings().withChars(TRICKY).ofMaxLength(20),
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.of("[Unit]", "[Service", "[X-Fleet] junk", "Key=Value \\", "\\", "\\\\", "=x", "# c \\", ""),
                Arbitraries.integers().between(2045, 2049).map(n -> "x".repeat(n - 1) + "\\")); // around the line limit
        return Arbitraries.oneOf(line.list().ofMaxSize(12).map(lines -> String.join("\n", lines)),
                Arbitraries.strings().withChars(TRICKY).ofMaxLength(80));
    }

    @Property(tries = 1000)
    void theParserThrowsNothingButItsParseError(@ForAll("unitFileText") String text) {
        try {
            UnitFile f = UnitFile.parse(text);
            assertThat(f.hash()).hasSize(40);
            Statistics.label("outcome").collect("parsed");
        } catch (UnitFileException e) {
            assertThat(e.getMessage()).isNotBlank();
            Statistics.label("outcome").collect("UnitFileException");
        }
    }
}
