package dev.fleet.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyPathTest {

    @ParameterizedTest(name = "\"{0}\" -> \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "\"\"        | /",
            "/           | /",
            "//          | /",
            "///         | /",
            "a           | /a",
            "/a          | /a",
            "/a/         | /a",
            "a/b         | /a/b",
            "//a///b//   | /a/b",
            "/a/b/c      | /a/b/c",
            "/_hidden/x  | /_hidden/x",
            "/.a/..b/...  | /.a/..b/...",
            "/a./b..      | /a./b..",
            "/ü/€/\uD83D\uDE00 | /ü/€/\uD83D\uDE00",
            "/with space  | /with space",
            "/a\\b        | /a\\b",
    })
    void normalizes(String raw, String expected) {
        assertThat(KeyPath.normalize(raw)).isEqualTo(expected);
        // canonical form is a fixed point
        assertThat(KeyPath.normalize(expected)).isEqualTo(expected);
    }

    @Test
    void aCanonicalKeyIsReturnedAsIs() {
        String k = "/a/b";
        assertThat(KeyPath.normalize(k)).isSameAs(k);
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "..", "/.", "/..", "/a/.", "/a/..", "/a/./b", "/a/../b", "./a", "../a", "/a/.//b"})
    void rejectsDotSegments(String raw) {
        assertThatThrownBy(() -> KeyPath.normalize(raw)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'.' or '..'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a\u0000b", "/a\nb", "/\t", "\r/a", "/a/\u001f", "/a\u007f"})
    void rejectsControlCharacters(String raw) {
        assertThatThrownBy(() -> KeyPath.normalize(raw)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control character")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\u0000", "\u007f"));
    }

    @Test
    void acceptsCharactersJustAboveTheControlRange() {
        assertThat(KeyPath.normalize("/ a~\u0080")).isEqualTo("/ a~\u0080");
    }

    @Test
    void limitsTheCanonicalLength() {
        String max = "/" + "x".repeat(KeyPath.MAX_LENGTH - 1);
        assertThat(KeyPath.normalize(max)).isEqualTo(max);
        assertThatThrownBy(() -> KeyPath.normalize(max + "y")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 4096");
        // the limit is on the canonical key: redundant slashes do not count
        assertThat(KeyPath.normalize("//" + max + "//")).isEqualTo(max);
        assertThatThrownBy(() -> KeyPath.normalize("/a".repeat(5000))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> KeyPath.normalize(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/            | false",
            "/a/b         | false",
            "/_a          | true",
            "/a/_b        | true",
            "/a/_b/c      | true",
            "/a/b_        | false",
            "/a_/b        | false",
            "_a           | true",
    })
    void hidden(String key, boolean hidden) {
        assertThat(KeyPath.isHidden(key)).isEqualTo(hidden);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/a/b/c | /a/b",
            "/a/b   | /a",
            "/a     | /",
            "a/b/   | /a",
    })
    void parent(String key, String parent) {
        assertThat(KeyPath.parent(key)).isEqualTo(parent);
    }

    @Test
    void theRootHasNoParent() {
        assertThat(KeyPath.parent("/")).isNull();
        assertThat(KeyPath.parent("")).isNull();
    }

    @Test
    void segments() {
        assertThat(KeyPath.segments("/")).isEmpty();
        assertThat(KeyPath.segments("/a")).containsExactly("a");
        assertThat(KeyPath.segments("//a/_b//c/")).containsExactly("a", "_b", "c");
        assertThatThrownBy(() -> KeyPath.segments("/a").add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(KeyPath.segments("/a/b")).isEqualTo(List.of("a", "b"));
    }

    @Test
    void helpersValidateToo() {
        assertThatThrownBy(() -> KeyPath.isHidden("/a/../b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyPath.parent("/a\n")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyPath.segments("/.")).isInstanceOf(IllegalArgumentException.class);
    }
}
