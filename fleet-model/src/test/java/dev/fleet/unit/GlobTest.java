package dev.fleet.unit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class GlobTest {
    private static final boolean BAD = false;
    private static final boolean OK = true;

    /** Go's src/path/match_test.go table: pattern, name, match, pattern well-formed. */
    static Stream<Arguments> goMatchTests() {
        return Stream.of(
                arguments("abc", "abc", true, OK),
                arguments("*", "abc", true, OK),
                arguments("*c", "abc", true, OK),
                arguments("a*", "a", true, OK),
                arguments("a*", "abc", true, OK),
                arguments("a*", "ab/c", false, OK),
                arguments("a*/b", "abc/b", true, OK),
                arguments("a*/b", "a/c/b", false, OK),
                arguments("a*b*c*d*e*/f", "axbxcxdxe/f", true, OK),
                arguments("a*b*c*d*e*/f", "axbxcxdxexxx/f", true, OK),
                arguments("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, OK),
                arguments("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, OK),
                arguments("a*b?c*x", "abxbbxdbxebxczzx", true, OK),
                arguments("a*b?c*x", "abxbbxdbxebxczzy", false, OK),
                arguments("ab[c]", "abc", true, OK),
                arguments("ab[b-d]", "abc", true, OK),
                arguments("ab[e-g]", "abc", false, OK),
                arguments("ab[^c]", "abc", false, OK),
                arguments("ab[^b-d]", "abc", false, OK),
                arguments("ab[^e-g]", "abc", true, OK),
                arguments("a\\*b", "a*b", true, OK),
                arguments("a\\*b", "ab", false, OK),
                arguments("a?b", "a☺b", true, OK),
                arguments("a[^a]b", "a☺b", true, OK),
                arguments("a???b", "a☺b", false, OK),
                arguments("a[^a][^a][^a]b", "a☺b", false, OK),
                arguments("[a-ζ]*", "α", true, OK),
                arguments("*[a-ζ]", "A", false, OK),
                arguments("a?b", "a/b", false, OK),
                arguments("a*b", "a/b", false, OK),
                arguments("[\\]a]", "]", true, OK),
                arguments("[\\-]", "-", true, OK),
                arguments("[x\\-]", "x", true, OK),
                arguments("[x\\-]", "-", true, OK),
                arguments("[x\\-]", "z", false, OK),
                arguments("[\\-x]", "x", true, OK),
                arguments("[\\-x]", "-", true, OK),
                arguments("[\\-x]", "a", false, OK),
                arguments("[]a]", "]", false, BAD),
                arguments("[-]", "-", false, BAD),
                arguments("[x-]", "x", false, BAD),
                arguments("[x-]", "-", false, BAD),
                arguments("[x-]", "z", false, BAD),
                arguments("[-x]", "x", false, BAD),
                arguments("[-x]", "-", false, BAD),
                arguments("[-x]", "a", false, BAD),
                arguments("\\", "a", false, BAD),
                arguments("[a-b-c]", "a", false, BAD),
                arguments("[", "a", false, BAD),
                arguments("[^", "a", false, BAD),
                arguments("[^bc", "a", false, BAD),
                arguments("a[", "a", false, BAD),
                arguments("a[", "ab", false, BAD),
                arguments("a[", "x", false, BAD),
                arguments("a/b[", "x", false, BAD),
                arguments("*x", "xxx", true, OK));
    }

    @ParameterizedTest(name = "Match(\"{0}\", \"{1}\") = {2}")
    @MethodSource("goMatchTests")
    void matchesLikeGoPathMatch(String pattern, String name, boolean match, boolean wellFormed) {
        assertThat(Glob.matches(pattern, name)).isEqualTo(match);
        assertThat(Glob.compile(pattern).valid()).isEqualTo(wellFormed);
    }

    /** The patterns fleet users write in Conflicts= and Replaces=. */
    static Stream<Arguments> fleetPatterns() {
        return Stream.of(
                arguments("web@*.service", "web@1.service", true),
                arguments("web@*.service", "web@.service", true),
                arguments("web@*.service", "web-1.service", false),
                arguments("web*", "web@1.service", true),
                arguments("*.service", "db.socket", false),
                arguments("db.service", "db.service", true),
                arguments("db.service", "db.servic", false),
                arguments("app-[0-9].service", "app-7.service", true),
                arguments("app-[0-9].service", "app-x.service", false),
                arguments("app-?.service", "app-10.service", false),
                arguments("*", "", true),
                arguments("", "", true),
                arguments("", "a", false),
                arguments("**", "abc", true),
                arguments("a*", "a/", false),
                arguments("[*]", "*", true),
                arguments("[^a]", "/", true), // a class (unlike ?) may match '/'
                arguments("a?b", "a\uD83D\uDE00b", true), // one code point, two Java chars
                arguments("a??b", "a\uD83D\uDE00b", false),
                arguments("\\a", "a", true),
                arguments("a]", "a]", true),
                arguments("a[", "a[", false)); // malformed, even against itself
    }

    @ParameterizedTest(name = "Match(\"{0}\", \"{1}\") = {2}")
    @MethodSource("fleetPatterns")
    void fleetStylePatterns(String pattern, String name, boolean match) {
        assertThat(Glob.matches(pattern, name)).isEqualTo(match);
    }

    @Test
    void compiledGlobIsReusable() {
        Glob g = Glob.compile("web@*.service");
        assertThat(g).isSameAs(Glob.compile("web@*.service"));
        assertThat(g.matches("web@a.service")).isTrue();
        assertThat(g.matches("web@b.service")).isTrue();
        assertThat(g.matches("db@b.service")).isFalse();
    }
}
