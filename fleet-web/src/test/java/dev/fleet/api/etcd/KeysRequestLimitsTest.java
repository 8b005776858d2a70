package dev.fleet.api.etcd;

import dev.fleet.node.NodeLimits;
import dev.fleet.node.NodeLimits.Limit;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** limit_key_length, limit_key_depth, limit_value_bytes and limit_body_bytes on /v2/keys: at the limit a write, one past etcd's error. */
class KeysRequestLimitsTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    static final NodeLimits SMALL = NodeLimits.DEFAULTS.with(Limit.KEY_LENGTH, 20).with(Limit.KEY_DEPTH, 4)
            .with(Limit.VALUE_BYTES, 10).with(Limit.BODY_BYTES, 1024);

    static KeysRequest put(String path, String body, NodeLimits limits) {
        return KeysRequest.parse("PUT", path, null, FORM, body.getBytes(StandardCharsets.UTF_8), limits);
    }

    static ApiError error(KeysRequest r) {
        assertThat(r).isInstanceOf(KeysRequest.Invalid.class);
        return ((KeysRequest.Invalid) r).error();
    }

    @Test
    void keyLength() {
        String at = "/" + "k".repeat(19);
        assertThat(put("/v2/keys" + at, "value=v", SMALL)).isInstanceOf(KeysRequest.Write.class);
        ApiError e = error(put("/v2/keys" + at + "k", "value=v", SMALL));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.errorCode()).isEqualTo(ApiError.INVALID_FIELD);
        assertThat(e.cause()).isEqualTo("key is 21 characters; the limit is 20 (limit_key_length)");
        // reads and deletes are held to it too: such a key cannot exist
        assertThat(error(KeysRequest.parse("GET", "/v2/keys" + at + "k", null, null, null, SMALL)).status()).isEqualTo(400);
    }

    @Test
    void keyDepth() {
        assertThat(put("/v2/keys/a/b/c/d", "value=v", SMALL)).isInstanceOf(KeysRequest.Write.class);
        ApiError e = error(put("/v2/keys/a/b/c/d/e", "value=v", SMALL));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.cause()).isEqualTo("key has 5 segments; the limit is 4 (limit_key_depth)");
        // the default: 64
        assertThat(put("/v2/keys" + "/s".repeat(64), "value=v", NodeLimits.DEFAULTS)).isInstanceOf(KeysRequest.Write.class);
        assertThat(error(put("/v2/keys" + "/s".repeat(65), "value=v", NodeLimits.DEFAULTS)).status()).isEqualTo(400);
    }

    @Test
    void valueBytesCountUtf8() {
        assertThat(put("/v2/keys/k", "value=0123456789", SMALL)).isInstanceOf(KeysRequest.Write.class);
        assertThat(put("/v2/keys/k", "value=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", SMALL)).as("5 × é = 10 bytes")
                .isInstanceOf(KeysRequest.Write.class);
        ApiError e = error(put("/v2/keys/k", "value=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9x", SMALL));
        assertThat(e.status()).isEqualTo(413);
        assertThat(e.errorCode()).isEqualTo(ApiError.INVALID_FIELD);
        assertThat(e.cause()).isEqualTo("value is larger than the limit of 10 bytes (limit_value_bytes)");
        assertThat(error(KeysRequest.parse("POST", "/v2/keys/q", "value=01234567890", null, null, SMALL)).status())
                .as("in the query too").isEqualTo(413);
    }

    @Test
    void defaultValueLimitFitsTheDefaultBodyFullyPercentEncoded() {
        NodeLimits d = NodeLimits.DEFAULTS;
        String encoded = "%C3%A9".repeat(d.valueBytes() / 2); // 1 MiB of é, 3 MiB of form body
        assertThat(encoded.length()).isLessThanOrEqualTo((int) d.bodyBytes());
        assertThat(put("/v2/keys/k", "value=" + encoded, d)).isInstanceOf(KeysRequest.Write.class);
    }

    @Test
    void bodyHandedInWhole() {
        NodeLimits limits = NodeLimits.DEFAULTS.with(Limit.BODY_BYTES, 1024);
        String at = "value=" + "v".repeat(1024 - 6);
        assertThat(put("/v2/keys/k", at, limits)).isInstanceOf(KeysRequest.Write.class);
        ApiError e = error(put("/v2/keys/k", at + "v", limits));
        assertThat(e.status()).isEqualTo(413);
        assertThat(e.cause()).isEqualTo("request body is 1025 bytes; the limit is 1024 (limit_body_bytes)");
    }
}
