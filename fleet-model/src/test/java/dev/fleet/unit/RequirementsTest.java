package dev.fleet.unit;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RequirementsTest {

    private static UnitFile xfleet(String... lines) {
        return UnitFile.parse("[Unit]\nDescription=test\n\n[X-Fleet]\n" + String.join("\n", lines) + "\n");
    }

    private static Requirements req(String... lines) {
        return Requirements.of("foo.service", xfleet(lines));
    }

    @Nested
    class SplitQuoted {
        @Test
        void fleetsPinnedQuirks() {
            assertThat(Requirements.splitQuoted("\"bar\" \"")).containsExactly("bar", "");
            assertThat(Requirements.splitQuoted("\"foo\\\"bar\"")).containsExactly("foo\\bar");
            assertThat(Requirements.splitQuoted("foo=bar baz=qux")).containsExactly("foo=bar baz=qux");
        }

        @ParameterizedTest(name = "[{0}]")
        @ValueSource(strings = {"", "foo", "foo bar", "\"foo", "foo\"", "\"a\" b", "a \"b\""})
        void onlyAValueStartingAndEndingWithAQuoteIsSplit(String whole) {
            assertThat(Requirements.splitQuoted(whole)).containsExactly(whole);
        }

        @Test
        void quotedValues() {
            assertThat(Requirements.splitQuoted("\"a=b\" \"c=d\"")).containsExactly("a=b", "c=d");
            assertThat(Requirements.splitQuoted("\"a=b\"")).containsExactly("a=b");
            assertThat(Requirements.splitQuoted("\"a b\" \"c\"")).containsExactly("a b", "c");
            assertThat(Requirements.splitQuoted("\"\"")).containsExactly("");
            assertThat(Requirements.splitQuoted("\"")).containsExactly("");
            // only a space separates; two spaces give an empty value between them; tabs do not split
            assertThat(Requirements.splitQuoted("\"a\"  \"b\"")).containsExactly("a", "", "b");
            assertThat(Requirements.splitQuoted("\"a\"\t\"b\"")).containsExactly("a\tb");
        }
    }

    @Nested
    class Of {
        @Test
        void noXFleetSectionMeansNoRequirements() {
            assertThat(Requirements.of("foo.service", UnitFile.parse("[Service]\nExecStart=/bin/true\n")))
                    .isEqualTo(Requirements.NONE);
            assertThat(Requirements.of("foo.service", UnitFile.of(List.of()))).isEqualTo(Requirements.NONE);
        }

        @Test
        void onlyTheXFleetSectionIsRead() {
            UnitFile f = UnitFile.parse("[Unit]\nMachineID=abc\nConflicts=x\n[x-fleet]\nGlobal=true\n");
            assertThat(Requirements.of("foo.service", f)).isEqualTo(Requirements.NONE);
        }

        @Test
        void machineIdFirstValueOnly() {
            assertThat(req("MachineID=abc").machineId()).isEqualTo("abc");
            assertThat(req("MachineID=abc", "MachineID=def").machineId()).isEqualTo("abc");
            assertThat(req("MachineID=\"abc\" \"def\"").machineId()).isEqualTo("abc");
            assertThat(req("Global=false").machineId()).isNull();
        }

        @Test
        void machineIdAliasesAndTheirPriority() {
            assertThat(req("X-ConditionMachineID=abc").machineId()).isEqualTo("abc");
            assertThat(req("X-ConditionMachineBootID=boot").machineId()).isEqualTo("boot");
            // the modern key wins, then X-ConditionMachineID, then the legacy boot ID (fleet's order)
            assertThat(req("X-ConditionMachineBootID=boot", "X-ConditionMachineID=old", "MachineID=new").machineId())
                    .isEqualTo("new");
            assertThat(req("X-ConditionMachineBootID=boot", "X-ConditionMachineID=old").machineId()).isEqualTo("old");
        }

        @Test
        void blankMachineIdIsIgnored() {
            assertThat(req("MachineID=").machineId()).isNull();
            assertThat(req("MachineID=", "X-ConditionMachineID=abc").machineId()).isEqualTo("abc");
        }

        @Test
        void machineOfAllValuesAliasesMerged() {
            Requirements r = req("MachineOf=a.service", "X-ConditionMachineOf=b.service", "MachineOf=\"c.service\" \"d.service\"",
                    "MachineOf=a.service", "MachineOf=");
            assertThat(r.machineOf()).containsExactly("b.service", "a.service", "c.service", "d.service");
        }

        @Test
        void machineMetadataPairsAccumulateOrWithinKeyAndAcrossKeys() {
            Requirements r = req("MachineMetadata=region=us-east", "MachineMetadata=\"disk=ssd\" \"region=us-west\"",
                    "X-ConditionMachineMetadata=cpu=fast");
            assertThat(r.metadata()).isEqualTo(Map.of("region", Set.of("us-east", "us-west"), "disk", Set.of("ssd"),
                    "cpu", Set.of("fast")));
            assertThat(r.metadataSatisfiedBy(Map.of("region", "us-west", "disk", "ssd", "cpu", "fast"))).isTrue();
            assertThat(r.metadataSatisfiedBy(Map.of("region", "us-east", "disk", "ssd", "cpu", "fast", "x", "y"))).isTrue();
            assertThat(r.metadataSatisfiedBy(Map.of("region", "eu", "disk", "ssd", "cpu", "fast"))).isFalse();
            assertThat(r.metadataSatisfiedBy(Map.of("region", "us-east", "disk", "ssd"))).isFalse();
        }

        @Test
        void badMetadataPairsAreSilentlyIgnored() {
            Requirements r = req("MachineMetadata=novalue", "MachineMetadata=a=b=c", "MachineMetadata==b",
                    "MachineMetadata=a=", "MachineMetadata=\"x=1\" \"y\" \"=2\"",
                    // unquoted: one value "k=v l=w" has two '=' and is dropped whole
                    "MachineMetadata=k=v l=w");
            assertThat(r.metadata()).isEqualTo(Map.of("x", Set.of("1")));
        }

        @Test
        void conflictsAreWhitespaceSeparatedRepeatableAndMergedWithTheAlias() {
            Requirements r = req("Conflicts=a.service  b*.service", "X-Conflicts=c.service", "Conflicts=\"d.service\" \"e.service\"",
                    "Conflicts=\ta.service\t", "Conflicts=");
            assertThat(r.conflicts()).containsExactly("c.service", "a.service", "b*.service", "d.service", "e.service");
            assertThat(r.conflictsWith("c.service")).isTrue();
            assertThat(r.conflictsWith("z.service")).isFalse();
        }

        @Test
        void replacesAreWhitespaceSeparatedAndRepeatable() {
            Requirements r = req("Replaces=a.service b.service", "Replaces=c.service");
            assertThat(r.replaces()).containsExactly("a.service", "b.service", "c.service");
            assertThat(r.replacesUnit("b.service")).isTrue();
            assertThat(r.replacesUnit("d.service")).isFalse();
        }

        @ParameterizedTest
        @ValueSource(strings = {"true", "TRUE", "True", "yes", "YES", "1", "on", "On", "t", "T"})
        void truthyGlobal(String value) {
            assertThat(req("Global=" + value).global()).isTrue();
        }

        @ParameterizedTest
        @ValueSource(strings = {"false", "0", "no", "off", "f", "y", "enabled", "2", "", "true1"})
        void falsyGlobal(String value) {
            assertThat(req("Global=" + value).global()).isFalse();
        }

        @Test
        void globalUsesTheLastValue() {
            assertThat(req("Global=true", "Global=false").global()).isFalse();
            assertThat(req("Global=false", "Global=true").global()).isTrue();
            assertThat(req("Global=\"true\" \"no\"").global()).isFalse();
            assertThat(req("Conflicts=x").global()).isFalse();
        }

        @Test
        void unknownKeysAreCollectedOnceInOrder() {
            Requirements r = req("Weight=3", "MachineID=abc", "Foo=1", "Weight=4", "machineid=lowercase");
            assertThat(r.unknownKeys()).containsExactly("Weight", "Foo", "machineid");
            assertThat(r.machineId()).isEqualTo("abc");
            assertThat(req("MachineID=a", "X-ConditionMachineID=b", "X-ConditionMachineBootID=c", "MachineOf=d",
                    "X-ConditionMachineOf=e", "MachineMetadata=f=g", "X-ConditionMachineMetadata=h=i", "Conflicts=j",
                    "X-Conflicts=k", "Global=false", "Replaces=l").unknownKeys()).isEmpty();
        }

        @Test
        void requirementsAreImmutable() {
            Requirements r = req("MachineOf=a.service", "MachineMetadata=k=v");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.machineOf().add("x"))
                    .isInstanceOf(UnsupportedOperationException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.metadata().get("k").add("x"))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Nested
    class SpecifierExpansion {
        @Test
        void fleetsFunctionalTestVectors() {
            UnitFile f = xfleet("MachineOf=%p.socket", "MachineMetadata=hostname=%i", "Conflicts=%p@*.service %N.x");
            Requirements r = Requirements.of("foo@bar.service", f);
            assertThat(r.machineOf()).containsExactly("foo.socket");
            assertThat(r.metadata()).isEqualTo(Map.of("hostname", Set.of("bar")));
            assertThat(r.conflicts()).containsExactly("foo@*.service", "foo@bar.x");

            assertThat(Requirements.of("foo@bar.service", xfleet("MachineID=%i")).machineId()).isEqualTo("bar");
        }

        @Test
        void everySpecifierInEveryKey() {
            Requirements r = Requirements.of("web@2.service", xfleet("X-ConditionMachineOf=%n-peer.service",
                    "Replaces=%p@1.service", "X-ConditionMachineMetadata=\"role=%p\" \"slot=%i\""));
            assertThat(r.machineOf()).containsExactly("web@2.service-peer.service");
            assertThat(r.replaces()).containsExactly("web@1.service");
            assertThat(r.metadata()).isEqualTo(Map.of("role", Set.of("web"), "slot", Set.of("2")));
        }

        @Test
        void plainUnitHasEmptyInstance() {
            Requirements r = Requirements.of("foo.service", xfleet("MachineOf=%p.socket", "MachineMetadata=hostname=%i"));
            assertThat(r.machineOf()).containsExactly("foo.socket");
            // "hostname=" has an empty value, so the pair is ignored
            assertThat(r.metadata()).isEmpty();
        }

        @Test
        void noNameNoExpansion() {
            assertThat(Requirements.of(null, xfleet("MachineOf=%p.socket")).machineOf()).containsExactly("%p.socket");
        }
    }

    @Nested
    class Validate {
        @ParameterizedTest(name = "{0} + {1} -> {2}")
        @CsvSource(delimiter = '|', value = {
                "MachineID=abc              | MachineOf=a.service       | MachineID cannot be used with Peers",
                "MachineID=abc              | Conflicts=a.service       | MachineID cannot be used with Conflicts",
                "MachineID=abc              | Global=true               | MachineID cannot be used with Global",
                "MachineID=abc              | Replaces=a.service        | MachineID cannot be used with Replaces",
                "Global=true                | MachineOf=a.service       | Global cannot be used with Peers",
                "Global=true                | Replaces=a.service        | Global cannot be used with Replaces",
                "Conflicts=a.service        | Replaces=b.service        | Conflicts cannot be used with Replaces",
                // the deprecated aliases count the same
                "X-ConditionMachineID=abc   | X-ConditionMachineOf=a.service | MachineID cannot be used with Peers",
                "X-ConditionMachineBootID=b | X-Conflicts=a.service     | MachineID cannot be used with Conflicts",
                "Global=yes                 | X-ConditionMachineOf=a.service | Global cannot be used with Peers",
                "X-Conflicts=a.service      | Replaces=b.service        | Conflicts cannot be used with Replaces",
        })
        void rejectedCombinations(String first, String second, String message) {
            assertThat(Requirements.validate(xfleet(first, second))).containsExactly(message);
            assertThat(Requirements.validate(xfleet(second, first))).containsExactly(message);
        }

        @Test
        void peerMatchedByOwnConflict() {
            assertThat(Requirements.validate(xfleet("MachineOf=a.service", "Conflicts=a.service")))
                    .containsExactly("unresolvable requirements: peer \"a.service\" matches conflict \"a.service\"");
        }

        @Test
        void peerMatchedByOwnReplace() {
            assertThat(Requirements.validate(xfleet("MachineOf=a.service", "Replaces=a.service")))
                    .containsExactly("unresolvable requirements: peer \"a.service\" matches replace \"a.service\"");
        }

        @Test
        void namesAreQuotedAsGoDoes() {
            // in a glob, "\." is an escaped dot, so it matches the plain name; %q doubles the backslash
            assertThat(Requirements.validate(xfleet("MachineOf=yes@no.service", "Conflicts=yes@no\\.service")))
                    .containsExactly("unresolvable requirements: peer \"yes@no.service\" matches conflict \"yes@no\\\\.service\"");
        }

        @Test
        void overlapIsFoundThroughGlobs() {
            assertThat(Requirements.validate(xfleet("MachineOf=db@1.service", "Conflicts=web@*.service db@*.service")))
                    .containsExactly("unresolvable requirements: peer \"db@1.service\" matches conflict \"db@*.service\"");
            assertThat(Requirements.validate(xfleet("MachineOf=db@1.service", "Replaces=db@?.service")))
                    .containsExactly("unresolvable requirements: peer \"db@1.service\" matches replace \"db@?.service\"");
            assertThat(Requirements.validate(xfleet("MachineOf=db@1.service", "Conflicts=web@*.service"))).isEmpty();
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "Global=true                | MachineMetadata=role=web",
                "Global=true                | Conflicts=other.service",
                "MachineOf=a.service        | Conflicts=b.service",
                "MachineOf=a.service        | Replaces=b.service",
                "MachineID=abc              | MachineMetadata=role=web",
                "MachineOf=a.service        | MachineMetadata=role=web",
                "Conflicts=a.service        | MachineMetadata=role=web",
                "Replaces=a.service         | MachineMetadata=role=web",
                "MachineID=abc              | Global=false",
                "Global=false               | MachineOf=a.service",
                "Global=true                | Global=false",
                "MachineID=                 | MachineOf=a.service",
                "Weight=10                  | MachineID=abc",
        })
        void allowedCombinations(String first, String second) {
            assertThat(Requirements.validate(xfleet(first, second))).isEmpty();
        }

        @Test
        void emptyAndPlainUnitsAreValid() {
            assertThat(Requirements.validate(UnitFile.of(List.of()))).isEmpty();
            assertThat(Requirements.validate(UnitFile.parse("[Service]\nExecStart=/bin/sleep 100\n"))).isEmpty();
        }

        @Test
        void checksRunOnRawValuesBeforeExpansion() {
            // the raw strings are equal: rejected, whatever the unit's name
            assertThat(Requirements.validate(xfleet("MachineOf=%p.socket", "Conflicts=%p.socket")))
                    .containsExactly("unresolvable requirements: peer \"%p.socket\" matches conflict \"%p.socket\"");
            // only equal after expansion (for foo@x.service): not rejected
            UnitFile f = xfleet("MachineOf=foo.socket", "Conflicts=%p.socket");
            assertThat(Requirements.validate(f)).isEmpty();
            assertThat(Requirements.of("foo@x.service", f).conflictsWith("foo.socket")).isTrue();
        }

        @Test
        void allProblemsAreListedOverlapFirstAsFleetChecksIt() {
            assertThat(Requirements.validate(xfleet("MachineID=abc", "Global=true", "MachineOf=a.service",
                    "Conflicts=a.service b.service", "Replaces=a.service")))
                    .containsExactly(
                            "unresolvable requirements: peer \"a.service\" matches conflict \"a.service\"",
                            "unresolvable requirements: peer \"a.service\" matches replace \"a.service\"",
                            "MachineID cannot be used with Peers",
                            "MachineID cannot be used with Conflicts",
                            "MachineID cannot be used with Global",
                            "MachineID cannot be used with Replaces",
                            "Global cannot be used with Peers",
                            "Global cannot be used with Replaces",
                            "Conflicts cannot be used with Replaces");
        }

        @Test
        void overLongOptionFromTheApiIsRejectedAsFleetsReparseDoes() {
            UnitOption ok = new UnitOption("Service", "ExecStart", "x".repeat(2048 - "ExecStart=".length() - 1));
            assertThat(Requirements.validate(UnitFile.of(List.of(ok)))).isEmpty();
            UnitOption tooLong = new UnitOption("Service", "ExecStart", "x".repeat(2048 - "ExecStart=".length()));
            assertThat(Requirements.validate(UnitFile.of(List.of(tooLong)))).containsExactly("line too long (max 2048 bytes)");
        }
    }
}
