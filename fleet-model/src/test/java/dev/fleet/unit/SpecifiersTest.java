package dev.fleet.unit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class SpecifiersTest {

    @ParameterizedTest(name = "{0} in {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "%n          | foo@bar.service | foo@bar.service",
            "%N          | foo@bar.service | foo@bar",
            "%p          | foo@bar.service | foo",
            "%i          | foo@bar.service | bar",
            "%p.socket   | foo@bar.service | foo.socket",
            "hostname=%i | foo@bar.service | hostname=bar",
            "%p-%i/%N/%n | a@1.service     | a-1/a@1/a@1.service",
            // not an instance: %p is the name without suffix, %i is empty (systemd)
            "%p          | foo.service     | foo",
            "`x%iy`      | foo.service     | xy",
            "%N          | foo.service     | foo",
            // a template: empty instance
            "`%p|%i|`    | foo@.service    | `foo||`",
            // unknown specifiers, %% and a trailing % stay as written (fleet has no escape)
            "%u %% 100%  | foo.service     | `%u %% 100%`",
            "%%n         | foo.service     | %foo.service",
    })
    void expands(String value, String unit, String expected) {
        assertThat(Specifiers.expand(value, unit)).isEqualTo(expected);
    }

    @Test
    void nothingIsExpandedWithoutAName() {
        assertThat(Specifiers.expand("%p.socket", null)).isEqualTo("%p.socket");
        assertThat(Specifiers.expand("%p.socket", "nodot")).isEqualTo("%p.socket");
    }

    @Test
    void textFromTheNameIsNotExpandedAgain() {
        assertThat(Specifiers.expand("%i", "a@%n.service")).isEqualTo("%n");
    }
}
