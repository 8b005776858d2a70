package dev.fleet.api.etcd;

import dev.fleet.model.KeyPath;
import dev.fleet.store.Command;
import dev.fleet.store.KeyStore;
import dev.fleet.testing.Generated;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The /v2/keys request parser on generated input: any method, raw path, raw query and body gives a read, a watch,
 * a write or an etcd error with a 4xx — never an exception; a write it accepts is one the store accepts or refuses
 * with IllegalArgumentException before it is proposed (KeysResource's 400), and applies without throwing; a key and
 * value sent percent-encoded come back exactly.
 */
class KeysRequestPropertiesTest {
    private static final String FORM = "application/x-www-form-urlencoded";

    record Call(String method, String rawPath, String rawQuery, String contentType, String body) { }

    static String segment(Generated g) {
        return switch (g.between(0, 3)) {
            case 0 -> g.oneOf("a", "_hidden", "_fleet", ".", "..", "%2e%2e", "%2F", "%00", "%zz", "%", "%C3%28", "", "%20",
                    "a%2Fb", "%E2%98%83", "~", "+");
            case 1 -> g.string("aZ09.-_%2Fx/\\:+ é\u0000?#;=&", 12);
            case 2 -> g.anyString(6);
            default -> "k".repeat(g.between(1000, 1400));
        };
    }

    static String query(Generated g) {
        List<String> pairs = g.list(4, x -> x.oneOf("value", "ttl", "dir", "prevExist", "prevValue", "prevIndex", "refresh",
                "wait", "waitIndex", "recursive", "sorted", "quorum", "stream", "noValueOnSuccess", "x", "", "%zz")
                + (x.bool() ? "" : "=" + x.oneOf("true", "false", "1", "0", "-1", "", "9223372036854775807",
                "9223372036854775808", "abc", "%00", "%", "1e3", " ", x.anyString(5))));
        return pairs.isEmpty() && g.bool() ? null : String.join("&", pairs);
    }

    static Call call(Generated g) {
        String path = "/v2/keys" + (g.between(0, 5) == 0 ? "" : "/" + String.join("/", g.list(4, KeysRequestPropertiesTest::segment)));
        String body = g.bool() ? null : g.bool() ? query(g) : g.anyString(30);
        return new Call(g.oneOf("GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "get", "OPTIONS"),
                g.between(0, 10) == 0 ? g.oneOf("/v2/key", "/v2", "/", "") + "/" + segment(g) : path,
                query(g), g.oneOf(FORM, null, "text/plain", "application/json", FORM + "; charset=utf-8"), body);
    }

    @Test
    void everyRequestIsAnAnswerAndEveryAcceptedWriteIsSafeToPropose() {
        Generated.check(20_000, KeysRequestPropertiesTest::call, c -> {
            KeysRequest r = KeysRequest.parse(c.method(), c.rawPath(), c.rawQuery(), c.contentType(),
                    c.body() == null ? null : c.body().getBytes(StandardCharsets.UTF_8));
            assertThat(r).isNotNull();
            if (r instanceof KeysRequest.Invalid invalid) {
                assertThat(invalid.error().status()).as(invalid.error().toString()).isBetween(400, 499);
                assertThat(invalid.error().message()).isNotBlank();
            } else if (r instanceof KeysRequest.Write w) {
                Command command = w.command().apply(1_000);
                boolean valid;
                try {
                    KeyStore.validate(command);
                    valid = true;
                } catch (IllegalArgumentException refusedWith400) {
                    valid = false;
                }
                if (valid) {
                    new KeyStore().apply(command); // a result or a store error, never an exception
                }
            } else if (r instanceof KeysRequest.Read read) {
                assertThat(KeyPath.normalize(read.key())).isEqualTo(read.key());
            } else if (r instanceof KeysRequest.Watch watch) {
                assertThat(watch.waitIndex()).isBetween(0L, dev.fleet.api.WaitIndex.MAX);
            }
        });
    }

    record Pair(List<String> segments, String value, boolean inBody) { }

    @Test
    void aKeyAndValueSentPercentEncodedArriveExactly() {
        Generated.check(5_000, g -> new Pair(
                g.list(5, x -> "s" + x.string("aZ09.-_:+ é~!$'()*,;=@\u00ff\u4e2d", 10)),
                g.string("aZ09 é\n\t&=+%#?\u4e2d\"'<>{}", 40), g.bool()), p -> {
            StringBuilder path = new StringBuilder("/v2/keys");
            p.segments().forEach(s -> path.append('/').append(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20")));
            String form = "value=" + URLEncoder.encode(p.value(), StandardCharsets.UTF_8);
            KeysRequest r = KeysRequest.parse("PUT", path.toString(), p.inBody() ? null : form, FORM,
                    p.inBody() ? form.getBytes(StandardCharsets.UTF_8) : null);
            assertThat(r).isInstanceOf(KeysRequest.Write.class);
            Command.Put put = (Command.Put) ((KeysRequest.Write) r).command().apply(7);
            assertThat(put.key()).isEqualTo(KeyPath.normalize("/" + String.join("/", p.segments())));
            assertThat(put.value()).isEqualTo(p.value());
        });
    }
}
