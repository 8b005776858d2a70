package dev.fleet.unit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class UnitNameTest {

    /** "a...a.service" of exactly {@code length} characters. */
    private static String nameOfLength(int length) {
        return "a".repeat(length - ".service".length()) + ".service";
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo.service", "hello.mount", "foo@123.service", "foo@.service", "yo.yo.service",
            "hello@world.path", "hello:world.service", "foo-bar.mount", "jalapano_chips.service",
            "a.automount", "a.device", "a.scope", "a.slice", "a@b@c.service", "-.slice",
            "a.socket", "a.swap", "a.target", "a.timer", "a@b.socket", "a@b.target", "a@b.timer", "a@b.path"})
    void validNames(String name) {
        assertThat(UnitName.validationError(name)).isEmpty();
        assertThat(UnitName.isValid(name)).isTrue();
    }

    @Test
    void exactly255CharactersIsValid() {
        String name = nameOfLength(255);
        assertThat(name).hasSize(255);
        assertThat(UnitName.validationError(name)).isEmpty();
    }

    @Test
    void over255CharactersIsInvalid() {
        // systemd's UNIT_NAME_MAX 256 counts the NUL; fleet took 256 characters, which no agent could start
        String name = nameOfLength(256);
        assertThat(name).hasSize(256);
        assertThat(UnitName.validationError(name)).contains("unit name exceeds maximum length (255)");
    }

    @Test
    void emptyAndNull() {
        assertThat(UnitName.validationError("")).contains("unit name cannot be empty");
        assertThat(UnitName.validationError(null)).contains("unit name cannot be empty");
        assertThat(UnitName.isValid(null)).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "fooservice       | unit name must contain \".\"",
            "bar@foo          | unit name must contain \".\"",
            "foo.             | unit name cannot end in \".\"",
            "foo.service.     | unit name cannot end in \".\"",
            "foo.bar          | invalid unit type: \"bar\"",
            "foo.servICE      | invalid unit type: \"servICE\"",
            "foo.Service      | invalid unit type: \"Service\"",
            "foo%.service     | invalid character '%' in unit name",
            "yes/no.service   | invalid character '/' in unit name",
            "this+that.mount  | invalid character '+' in unit name",
            "dog=woof@.mount  | invalid character '=' in unit name",
            "`a b.service`    | invalid character ' ' in unit name",
            "@foo.service     | unit name cannot start in \"@\"",
            "foo@1.automount  | unit type \"automount\" cannot be a template or instance",
            "a.busname        | invalid unit type: \"busname\"",
            "a.snapshot       | invalid unit type: \"snapshot\"",
            ".service         | unit name cannot start with \".\"",
            ".hidden.service  | unit name cannot start with \".\"",
            "..service        | unit name cannot start with \".\"",
            "a%2Fb.service    | invalid character '%' in unit name",
            "foo@1.device     | unit type \"device\" cannot be a template or instance",
            "foo@1.mount      | unit type \"mount\" cannot be a template or instance",
            "foo@1.scope      | unit type \"scope\" cannot be a template or instance",
            "foo@1.slice      | unit type \"slice\" cannot be a template or instance",
            "foo@1.swap       | unit type \"swap\" cannot be a template or instance",
            "foo@.mount       | unit type \"mount\" cannot be a template or instance",
    })
    void invalidNames(String name, String message) {
        assertThat(UnitName.validationError(name)).contains(message);
        assertThat(UnitName.isValid(name)).isFalse();
    }

    @Test
    void nonAsciiAndControlCharactersAreQuotedAsGoDoes() {
        assertThat(UnitName.validationError("é.service")).contains("invalid character 'é' in unit name");
        assertThat(UnitName.validationError("a\tb.service")).contains("invalid character '\\t' in unit name");
        assertThat(UnitName.validationError("a'b.service")).contains("invalid character '\\'' in unit name");
        // systemd's escapes: a name no client could send through Payara's HTTP server (%5C is refused before fleet)
        assertThat(UnitName.validationError("dev-disk-by\\x2dlabel.device")).get().asString()
                .startsWith("invalid character '\\\\' in unit name (systemd allows it for escapes like \\x2d");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // name            | template | instance | prefix | inst | withoutSuffix | suffix  | templateOf
            "foo@.service      | true     | false    | foo    | ``   | foo@          | service | foo@.service",
            "foo@bar.service   | false    | true     | foo    | bar  | foo@bar       | service | foo@.service",
            "foo@bar@baz.socket| false    | true     | foo    | bar@baz | foo@bar@baz | socket  | foo@.socket",
            "foo@a.b.service   | false    | true     | foo    | a.b  | foo@a.b       | service | foo@.service",
            "foo.service       | false    | false    | foo    | ``   | foo           | service | ``",
            "yo.yo.service     | false    | false    | yo.yo  | ``   | yo.yo         | service | ``",
            "noDot             | false    | false    | noDot  | ``   | noDot         | ``      | ``",
    })
    void templateParts(String name, boolean template, boolean instance, String prefix, String inst,
                       String withoutSuffix, String suffix, String templateOf) {
        assertThat(UnitName.isTemplate(name)).isEqualTo(template);
        assertThat(UnitName.isInstance(name)).isEqualTo(instance);
        assertThat(UnitName.prefix(name)).isEqualTo(prefix);
        assertThat(UnitName.instance(name)).isEqualTo(inst);
        assertThat(UnitName.withoutSuffix(name)).isEqualTo(withoutSuffix);
        assertThat(UnitName.suffix(name)).isEqualTo(suffix);
        if (templateOf.isEmpty()) {
            assertThat(UnitName.templateOf(name)).isEmpty();
        } else {
            assertThat(UnitName.templateOf(name)).contains(templateOf);
        }
    }
}
