package dev.fleet.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import org.junit.jupiter.api.Test;

import java.time.Duration;

/** Unknown fields are skipped whatever they hold; input that ends inside one is refused, never spun on (parsson#23). */
class CodecSkipTest {
    @Test
    void anUnknownFieldThatNeverEndsIsRefusedAtOnce() {
        for (String body : new String[]{"{\"a\":{", "{\"a\":[", "{\"a\":{\"b\":[1,{", "{\"a\":" + "{\"a\":".repeat(5000) + "1"}) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
                    assertThatThrownBy(() -> Codec.readUnit(body)).as(body.substring(0, Math.min(20, body.length())))
                            .isInstanceOf(SchemaException.class));
        }
    }

    @Test
    void nestedUnknownFieldsAreSkipped() {
        Unit u = Codec.readUnit("{\"x\":{\"y\":[1,{\"z\":[]},\"}\"]},\"desiredState\":\"launched\",\"w\":[[{}]]}");
        assertThat(u.desiredState()).isEqualTo("launched");
    }
}
