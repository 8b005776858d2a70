package dev.fleet.unit;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitFileTest {

    private static UnitOption opt(String section, String name, String value) {
        return new UnitOption(section, name, value);
    }

    @Nested
    class Parse {
        @Test
        void repeatedKeysKeptInOrder() {
            UnitFile f = UnitFile.parse("[Unit]\nDescription=Foo\nDescription=Bar\nRequires=baz.service\nAfter=baz.service\n");
            assertThat(f.options()).containsExactly(
                    opt("Unit", "Description", "Foo"), opt("Unit", "Description", "Bar"),
                    opt("Unit", "Requires", "baz.service"), opt("Unit", "After", "baz.service"));
        }

        @Test
        void severalSectionsAndBlankLines() {
            UnitFile f = UnitFile.parse("[Unit]\nDescription=Foo\n\n[Service]\nExecStart=/usr/bin/sleep infinity\n\n"
                    + "[X-Third-Party]\nPants=on\n\n");
            assertThat(f.options()).containsExactly(opt("Unit", "Description", "Foo"),
                    opt("Service", "ExecStart", "/usr/bin/sleep infinity"), opt("X-Third-Party", "Pants", "on"));
        }

        @Test
        void sectionsWithoutOptionsLeaveNothing() {
            UnitFile f = UnitFile.parse("[Unit]\n[Service]\n[X-Third-Party]\n");
            assertThat(f.options()).isEmpty();
            assertThat(f.isEmpty()).isTrue();
            assertThat(f.hasSection("Unit")).isFalse();
        }

        @Test
        void emptyText() {
            assertThat(UnitFile.parse("").options()).isEmpty();
            assertThat(UnitFile.parse("\n\n  \n").options()).isEmpty();
        }

        @Test
        void quotedValuesAreNotSpecialOutsideXFleet() {
            UnitFile f = UnitFile.parse("[Service]\nEnvironment= \"FOO=BAR\" \"BAZ=QUX\"\n");
            assertThat(f.values("Service", "Environment")).containsExactly("\"FOO=BAR\" \"BAZ=QUX\"");
        }

        @Test
        void commentsAreDropped() {
            UnitFile f = UnitFile.parse("; comment alpha\n# comment bravo\n[Unit]\n; comment charlie\n"
                    + "# comment delta\n#Description=Foo\n   # indented comment\nDescription=Bar\n; comment echo\n# comment foxtrot\n");
            assertThat(f.options()).containsExactly(opt("Unit", "Description", "Bar"));
        }

        @Test
        void commentCharactersInsideAValueAreKept() {
            UnitFile f = UnitFile.parse("[Unit]\nDescription=a # b ; c\n");
            assertThat(f.values("Unit", "Description")).containsExactly("a # b ; c");
        }

        @Test
        void whitespaceAroundNameAndValueIsTrimmed() {
            UnitFile f = UnitFile.parse("[Unit]\n Description   =  words here  \n\tAfter\t=\tx.service\t\n");
            assertThat(f.options()).containsExactly(opt("Unit", "Description", "words here"),
                    opt("Unit", "After", "x.service"));
        }

        @Test
        void nameMayContainSpacesAndOddCharacters() {
            UnitFile f = UnitFile.parse("[Unit]\nSome Thing = Bar\n<<<<<<<<=Bar\n");
            assertThat(f.options()).containsExactly(opt("Unit", "Some Thing", "Bar"), opt("Unit", "<<<<<<<<", "Bar"));
        }

        @Test
        void valueMayContainEqualsSignsAndBeEmpty() {
            UnitFile f = UnitFile.parse("[Service]\nEnvironment=A=B=C\nExecStartPre=\n");
            assertThat(f.options()).containsExactly(opt("Service", "Environment", "A=B=C"),
                    opt("Service", "ExecStartPre", ""));
        }

        @Test
        void noTrailingNewline() {
            assertThat(UnitFile.parse("[Unit]\nDescription=Bar").options())
                    .containsExactly(opt("Unit", "Description", "Bar"));
        }

        @Test
        void crlfLineEnds() {
            UnitFile f = UnitFile.parse("[Unit]\r\nDescription=Bar\r\n\r\n[Service]\r\nExecStart=/bin/true\r\n");
            assertThat(f.options()).containsExactly(opt("Unit", "Description", "Bar"),
                    opt("Service", "ExecStart", "/bin/true"));
        }

        @Test
        void utf8IsPreserved() {
            assertThat(UnitFile.parse("[©]\nµ☃=ÇôrèÕ$").options()).containsExactly(opt("©", "µ☃", "ÇôrèÕ$"));
        }

        @Test
        void sectionHeaderMayBeIndentedAndFollowedByWhitespace() {
            assertThat(UnitFile.parse("  [Unit]  \nA=b\n").options()).containsExactly(opt("Unit", "A", "b"));
        }

        @Test
        void backslashInsideAValueIsKept() {
            assertThat(UnitFile.parse("[X-Fleet]\nMachineOf=yes@no\\.service\n").values("X-Fleet", "MachineOf"))
                    .containsExactly("yes@no\\.service");
        }
    }

    @Nested
    class Continuation {
        @Test
        void backslashNewlineBecomesOneSpaceAndLeadingWhitespaceOfTheNextLineStays() {
            UnitFile f = UnitFile.parse("[Unit]\nDescription= Unnecessarily wrapped \\\n    words here\n");
            assertThat(f.values("Unit", "Description")).containsExactly("Unnecessarily wrapped      words here");
        }

        @Test
        void severalContinuationLines() {
            UnitFile f = UnitFile.parse("[Service]\nExecStart=/bin/sh\\\n-c\\\n'echo hi'\nRestart=always\n");
            assertThat(f.options()).containsExactly(opt("Service", "ExecStart", "/bin/sh -c 'echo hi'"),
                    opt("Service", "Restart", "always"));
        }

        @Test
        void commentLinesInsideAContinuationAreSkipped() {
            UnitFile f = UnitFile.parse("[Section]\nKeyThree=value 3\\\n# this line is ignored\n"
                    + "; this line is ignored too\n       value 3 continued\nNext=x\n");
            assertThat(f.options()).containsExactly(opt("Section", "KeyThree", "value 3        value 3 continued"),
                    opt("Section", "Next", "x"));
        }

        @Test
        void aCommentEndingInBackslashDoesNotSwallowTheNextLine() {
            UnitFile f = UnitFile.parse("[Unit]\n# comment \\\nDescription=Bar\n");
            assertThat(f.options()).containsExactly(opt("Unit", "Description", "Bar"));
        }

        @Test
        void aBlankLineEndsTheContinuation() {
            UnitFile f = UnitFile.parse("[Unit]\nDescription=Bar\\\n\nAfter=x.service\n");
            assertThat(f.options()).containsExactly(opt("Unit", "Description", "Bar"), opt("Unit", "After", "x.service"));
        }

        @Test
        void continuationAtEndOfFile() {
            assertThat(UnitFile.parse("[Unit]\nDescription=Bar \\").values("Unit", "Description")).containsExactly("Bar");
            assertThat(UnitFile.parse("[Unit]\nDescription= words here \\\n  ").values("Unit", "Description"))
                    .containsExactly("words here");
        }

        @Test
        void anEscapedBackslashDoesNotContinue() {
            UnitFile f = UnitFile.parse("[Unit]\nA=x\\\\\nB=y\n");
            assertThat(f.options()).containsExactly(opt("Unit", "A", "x\\\\"), opt("Unit", "B", "y"));
        }

        @Test
        void aBackslashFollowedByWhitespaceDoesNotContinue() {
            UnitFile f = UnitFile.parse("[Unit]\nA=x\\ \nB=y\n");
            assertThat(f.options()).containsExactly(opt("Unit", "A", "x\\"), opt("Unit", "B", "y"));
        }

        @Test
        void continuationWithCrlf() {
            UnitFile f = UnitFile.parse("[Unit]\r\nA=x\\\r\ny\r\n");
            assertThat(f.values("Unit", "A")).containsExactly("x y");
        }

        @Test
        void aHundredThousandContinuedLinesParseInLinearTime() {
            // each continued line used to copy the whole logical line so far: 100,000 lines took minutes
            String text = "[Service]\nExecStart=/bin/echo" + " word\\\n".repeat(100_000) + " end\n";
            long start = System.nanoTime();
            UnitFile f = UnitFile.parse(text);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(f.values("Service", "ExecStart")).singleElement()
                    .satisfies(v -> assertThat(v).hasSize("/bin/echo".length() + 100_000 * " word ".length() + " end".length()));
            assertThat(millis).as("parse time in ms").isLessThan(1000);
        }

        @Test
        void theNameMayBeContinuedToo() {
            assertThat(UnitFile.parse("[Unit]\nDescr\\\n=x\n").options()).containsExactly(opt("Unit", "Descr", "x"));
        }
    }

    @Nested
    class Errors {
        @Test
        void optionBeforeAnySection() {
            assertThatThrownBy(() -> UnitFile.parse("Description=Foo\n[Unit]\nDescription=Bar\n"))
                    .isInstanceOf(UnitFileException.class).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("line 1").hasMessageContaining("outside of a [Section]")
                    .satisfies(e -> assertThat(((UnitFileException) e).line()).isEqualTo(1));
        }

        @Test
        void garbageBeforeAnySection() {
            assertThatThrownBy(() -> UnitFile.parse("<<<<<<<<\n[Unit]\nDescription=Bar\n"))
                    .isInstanceOf(UnitFileException.class).hasMessageContaining("line 1");
        }

        @Test
        void lineWithoutEqualsInASection() {
            assertThatThrownBy(() -> UnitFile.parse("[Unit]\nDescription\n"))
                    .isInstanceOf(UnitFileException.class).hasMessage("line 2: expected Name=Value: \"Description\"");
            assertThatThrownBy(() -> UnitFile.parse("[Unit]\n<<<<<<\nDescription=Foo\n"))
                    .isInstanceOf(UnitFileException.class).hasMessageContaining("line 2");
        }

        @Test
        void optionWithoutName() {
            assertThatThrownBy(() -> UnitFile.parse("[Unit]\n =Foo\n"))
                    .isInstanceOf(UnitFileException.class).hasMessageContaining("option without a name");
        }

        @Test
        void unterminatedSectionHeader() {
            assertThatThrownBy(() -> UnitFile.parse("[Unit\nDescription=Foo\n"))
                    .isInstanceOf(UnitFileException.class).hasMessage("line 1: unable to find end of section");
        }

        @Test
        void garbageAfterSectionHeader() {
            assertThatThrownBy(() -> UnitFile.parse("[Unit] pants\nDescription=Foo\n"))
                    .isInstanceOf(UnitFileException.class).hasMessage("line 1: found garbage after section name Unit");
        }

        @Test
        void errorsInAContinuedLineReportWhereItStarted() {
            assertThatThrownBy(() -> UnitFile.parse("[Unit]\nA=b\nfoo\\\nbar\n"))
                    .isInstanceOf(UnitFileException.class).hasMessageStartingWith("line 3:");
        }
    }

    /** go-systemd peeks 2048 bytes and wants a newline among them: a line plus its newline may be 2048 bytes. */
    @Nested
    class LineLimit {
        private String optionLine(int bytesWithNewline) {
            return "A=" + "x".repeat(bytesWithNewline - 3) + "\n"; // "A=" + filler + "\n"
        }

        @Test
        void exactly2048BytesIncludingTheNewlineIsAccepted() {
            String line = optionLine(2048);
            assertThat(line).hasSize(2048);
            UnitFile f = UnitFile.parse("[Unit]\n" + line + "B=c\n");
            assertThat(f.values("Unit", "A").get(0)).hasSize(2045);
        }

        @Test
        void lineOf2049BytesIsRejectedWithFleetsExactMessage() {
            String line = optionLine(2049);
            assertThat(line).hasSize(2049);
            assertThatThrownBy(() -> UnitFile.parse("[Unit]\n" + line + "B=c\n"))
                    .isInstanceOf(UnitFileException.class).hasMessage("line too long (max 2048 bytes)")
                    .satisfies(e -> assertThat(((UnitFileException) e).line()).isEqualTo(2));
        }

        @Test
        void aLastLineWithoutNewlineCountsAsIfItHadOne() {
            String line2047 = "A=" + "x".repeat(2045);
            assertThat(UnitFile.parse("[Unit]\n" + line2047).options()).hasSize(1);
            assertThatThrownBy(() -> UnitFile.parse("[Unit]\n" + line2047 + "x"))
                    .hasMessage("line too long (max 2048 bytes)");
        }

        @Test
        void bytesNotCharactersCount() {
            String twoByteChars = "A=" + "é".repeat(1022) + "\n"; // 2 + 2044 + 1 = 2047 bytes
            assertThat(UnitFile.parse("[Unit]\n" + twoByteChars).options()).hasSize(1);
            String tooMany = "A=" + "é".repeat(1023) + "\n"; // 2049 bytes, 1026 characters
            assertThatThrownBy(() -> UnitFile.parse("[Unit]\n" + tooMany)).hasMessage("line too long (max 2048 bytes)");
        }

        @Test
        void carriageReturnCountsAsTheLineEnd() {
            String line = "A=" + "x".repeat(2045) + "\r\n";
            assertThat(UnitFile.parse("[Unit]\r\n" + line).options()).hasSize(1);
        }

        @Test
        void commentLinesAndContinuationLinesAreCheckedToo() {
            String longComment = "#" + "x".repeat(2048) + "\n";
            assertThatThrownBy(() -> UnitFile.parse("[Unit]\n" + longComment)).hasMessage("line too long (max 2048 bytes)");
            // each physical line is short, so a long continued value is fine
            String part = "x".repeat(2000) + "\\\n";
            UnitFile f = UnitFile.parse("[Unit]\nA=" + part + part + "end\n");
            assertThat(f.values("Unit", "A").get(0)).hasSize(4000 + 2 + 3);
        }
    }

    @Nested
    class CanonicalAndHash {
        @Test
        void hashVectors() {
            UnitFile f = UnitFile.parse("[Service]\nExecStart=/bin/sleep 100\n");
            assertThat(f.canonical()).isEqualTo("[Service]\nExecStart=/bin/sleep 100\n");
            assertThat(f.hash()).isEqualTo("1c6fb6f3684bafb0c173d8b8b957ceff031180c1");
            assertThat(f.shortHash()).isEqualTo("1c6fb6f");

            UnitFile empty = UnitFile.of(List.of());
            assertThat(empty.canonical()).isEmpty();
            assertThat(empty.hash()).isEqualTo("da39a3ee5e6b4b0d3255bfef95601890afd80709");
            assertThat(empty.shortHash()).isEqualTo("da39a3e");
            assertThat(UnitFile.parse("# only a comment\n[Unit]\n").hash()).isEqualTo(empty.hash());
        }

        @Test
        void formattingAndCommentsDoNotChangeTheHash() {
            UnitFile messy = UnitFile.parse("# header\n\n  [Service]  \n ExecStart =  /bin/sleep \\\n100\n\n");
            assertThat(messy.canonical()).isEqualTo("[Service]\nExecStart=/bin/sleep  100\n");
            UnitFile tidy = UnitFile.parse("[Service]\nExecStart=/bin/sleep 100\n");
            assertThat(UnitFile.parse("; c\n[Service]\n\n# c\nExecStart = /bin/sleep 100   \n").hash())
                    .isEqualTo(tidy.hash());
        }

        @Test
        void sectionsInOrderOfFirstAppearanceWithOneBlankLineBetween() {
            UnitFile f = UnitFile.parse("[Unit]\nDescription=x\n[Service]\nExecStart=/a\n[Unit]\nAfter=y\n"
                    + "[X-Fleet]\nGlobal=true\n[Service]\nRestart=always\n");
            assertThat(f.canonical()).isEqualTo("[Unit]\nDescription=x\nAfter=y\n\n"
                    + "[Service]\nExecStart=/a\nRestart=always\n\n"
                    + "[X-Fleet]\nGlobal=true\n");
            // options() keeps the original interleaving; only the serialisation groups them
            assertThat(f.options().get(1)).isEqualTo(opt("Service", "ExecStart", "/a"));
        }

        @Test
        void roundTripThroughTheCanonicalForm() {
            UnitFile f = UnitFile.parse("[Unit]\nDescription=Hello \\\n  World\nAfter=docker.service\n\n"
                    + "[Service]\nExecStart=/usr/bin/docker run busybox /bin/sh -c \"while true; do echo Hello; sleep 1; done\"\n"
                    + "Environment=\"A=B\" \"C=D\"\n\n[X-Fleet]\nMachineMetadata=\"region=us\" \"disk=ssd\"\nConflicts=hello*\n");
            UnitFile again = UnitFile.parse(f.canonical());
            assertThat(again).isEqualTo(f);
            assertThat(again.canonical()).isEqualTo(f.canonical());
            assertThat(again.hash()).isEqualTo(f.hash());
        }

        @Test
        void ofAndParseAgree() {
            List<UnitOption> opts = List.of(opt("Service", "ExecStart", "/bin/sleep 100"));
            assertThat(UnitFile.of(opts)).isEqualTo(UnitFile.parse("[Service]\nExecStart=/bin/sleep 100"));
            assertThat(UnitFile.of(opts).hashCode()).isEqualTo(UnitFile.parse("[Service]\nExecStart=/bin/sleep 100").hashCode());
            assertThat(UnitFile.of(opts).hash()).isEqualTo("1c6fb6f3684bafb0c173d8b8b957ceff031180c1");
        }

        @Test
        void equalityIsByOptionsInOrder() {
            UnitFile ab = UnitFile.of(List.of(opt("S", "A", "1"), opt("S", "B", "2")));
            UnitFile ba = UnitFile.of(List.of(opt("S", "B", "2"), opt("S", "A", "1")));
            assertThat(ab).isNotEqualTo(ba);
            assertThat(ab.hash()).isNotEqualTo(ba.hash());
            // interleaved sections: different option lists, same canonical text, same hash (as fleet)
            UnitFile x = UnitFile.of(List.of(opt("A", "a", "1"), opt("B", "b", "1"), opt("A", "a", "2")));
            UnitFile y = UnitFile.of(List.of(opt("A", "a", "1"), opt("A", "a", "2"), opt("B", "b", "1")));
            assertThat(x).isNotEqualTo(y);
            assertThat(x.hash()).isEqualTo(y.hash());
        }
    }

    @Nested
    class Access {
        private final UnitFile f = UnitFile.parse("[Unit]\nDescription=a\n[X-Fleet]\nConflicts=a*\nConflicts=b*\n");

        @Test
        void values() {
            assertThat(f.values("X-Fleet", "Conflicts")).containsExactly("a*", "b*");
            assertThat(f.values("X-Fleet", "Global")).isEmpty();
            assertThat(f.values("x-fleet", "Conflicts")).as("case-sensitive").isEmpty();
        }

        @Test
        void hasSection() {
            assertThat(f.hasSection("Unit")).isTrue();
            assertThat(f.hasSection("X-Fleet")).isTrue();
            assertThat(f.hasSection("Service")).isFalse();
        }

        @Test
        void immutable() {
            List<UnitOption> source = new java.util.ArrayList<>(List.of(opt("S", "A", "1")));
            UnitFile g = UnitFile.of(source);
            source.add(opt("S", "B", "2"));
            assertThat(g.options()).hasSize(1);
            assertThatThrownBy(() -> g.options().add(opt("S", "C", "3"))).isInstanceOf(UnsupportedOperationException.class);
        }

        @ParameterizedTest
        @ValueSource(strings = {"[Unit]\nA=b\n", "[Unit]\nA=b"})
        void toStringShowsTheShortHash(String text) {
            UnitFile g = UnitFile.parse(text);
            assertThat(g.toString()).contains(g.shortHash());
        }
    }
}
