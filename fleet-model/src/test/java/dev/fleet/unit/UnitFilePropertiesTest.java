package dev.fleet.unit;

import dev.fleet.testing.Generated;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Properties of the unit-file parser, canonical form and option validation, over generated input. */
class UnitFilePropertiesTest {

    /** Characters that mean something in a unit file, mixed with plain ones, so generated text hits every rule. */
    private static final String TRICKY = "aZ09-_.@= []#;\\\t\"'é\u0000\u0001\r\n";

    static UnitOption option(Generated g) {
        String section = g.bool() ? g.oneOf("Unit", "Service", "X-Fleet", "Install") : g.string(TRICKY, 6);
        String name = g.bool() ? g.oneOf("ExecStart", "Description", "MachineOf", "Global") : g.string(TRICKY, 6);
        String value = switch (g.between(0, 2)) {
            case 0 -> g.string(TRICKY, 12);
            case 1 -> g.anyString(12); // any UTF-16, lone surrogates included
            default -> "v".repeat(g.between(2030, 2040)) + "é"; // near the line limit
        };
        return new UnitOption(section, name, value);
    }

    /** A valid option (drawn until the validation accepts one). */
    static UnitOption validOption(Generated g) {
        while (true) {
            UnitOption o = option(g);
            if (UnitValidation.optionError(o).isEmpty()) {
                return o;
            }
        }
    }

    static List<UnitOption> validOptionList(Generated g) {
        return g.list(8, UnitFilePropertiesTest::validOption);
    }

    /** What serialising does to the order: sections by first appearance, options in order within each. */
    private static List<UnitOption> groupedBySection(List<UnitOption> options) {
        Map<String, List<UnitOption>> bySection = new LinkedHashMap<>();
        options.forEach(o -> bySection.computeIfAbsent(o.section(), s -> new ArrayList<>()).add(o));
        return bySection.values().stream().flatMap(List::stream).toList();
    }

    @Test
    void validOptionsSurviveBeingWrittenAndReadBack() {
        Generated.check(1000, UnitFilePropertiesTest::validOptionList, options -> {
            UnitFile written = UnitFile.of(options);
            UnitFile read = UnitFile.parse(written.canonical());
            assertThat(read.options()).isEqualTo(groupedBySection(options));
            // the hash addresses the text: stable through a round trip and a second serialisation
            assertThat(read.canonical()).isEqualTo(written.canonical());
            assertThat(read.hash()).isEqualTo(written.hash()).isEqualTo(UnitFile.of(options).hash());
        });
    }

    /** The hash is injective on what the validation accepts: two lists with one text are the same unit. */
    @Test
    void twoValidListsWithOneHashAreTheSameUnit() {
        Generated.check(1000, g -> List.of(validOptionList(g), validOptionList(g)), ab ->
                assertThat(UnitFile.of(ab.get(0)).hash().equals(UnitFile.of(ab.get(1)).hash()))
                        .isEqualTo(groupedBySection(ab.get(0)).equals(groupedBySection(ab.get(1)))));
    }

    static String unitFileText(Generated g) {
        if (g.between(0, 3) == 0) {
            return g.string(TRICKY, 80);
        }
        return String.join("\n", g.list(12, x -> switch (x.between(0, 3)) {
            case 0 -> x.string(TRICKY, 20);
            case 1 -> x.anyString(20);
            case 2 -> x.oneOf("[Unit]", "[Service", "[X-Fleet] junk", "Key=Value \\", "\\", "\\\\", "=x", "# c \\", "");
            default -> "x".repeat(x.between(2044, 2048)) + "\\"; // around the line limit
        }));
    }

    @Test
    void theParserThrowsNothingButItsParseError() {
        int[] outcomes = new int[2];
        Generated.check(1000, UnitFilePropertiesTest::unitFileText, text -> {
            try {
                UnitFile f = UnitFile.parse(text);
                assertThat(f.hash()).hasSize(40);
                outcomes[0]++;
            } catch (UnitFileException e) {
                assertThat(e.getMessage()).isNotBlank();
                outcomes[1]++;
            }
        });
        assertThat(java.util.Arrays.stream(outcomes).boxed().toList()).as("parsed, refused").allMatch(n -> n > 50); // the generator reaches both outcomes
    }
}
