package dev.fleet.api.etcd;

import dev.fleet.store.Command;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure /v2/keys request parser: what each request becomes, and etcd's codes for bad input. */
class KeysRequestTest {
    private static final String FORM = "application/x-www-form-urlencoded";

    private static KeysRequest parse(String method, String path, String query, String body) {
        return KeysRequest.parse(method, path, query, FORM, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private static Command command(KeysRequest r) {
        assertThat(r).isInstanceOf(KeysRequest.Write.class);
        return ((KeysRequest.Write) r).command().apply(42);
    }

    private static ApiError error(KeysRequest r) {
        assertThat(r).isInstanceOf(KeysRequest.Invalid.class);
        return ((KeysRequest.Invalid) r).error();
    }

    @Test
    void aCompareAndSwapPutTakesTheFormBodyOverTheQuery() {
        Command.Put put = (Command.Put) command(parse("PUT", "/v2/keys/a//b/", "prevIndex=7&value=fromQuery", "value=from+body&ttl=5"));
        assertThat(put).isEqualTo(new Command.Put(42, "/a/b", "from body", false, 5L, null, null, 7L, false));
    }

    @Test
    void prevIndexZeroIsUnsetOnPutAndDelete() {
        assertThat(((Command.Put) command(parse("PUT", "/v2/keys/k", "prevIndex=0", "value=v"))).prevIndex()).isNull();
        assertThat(((Command.Delete) command(parse("DELETE", "/v2/keys/k", "prevIndex=0", null))).prevIndex()).isNull();
        Command delete = command(parse("DELETE", "/v2/keys/k", "prevIndex=3&recursive=true", null));
        assertThat(delete).isEqualTo(new Command.Delete(42, "/k", false, true, null, 3L));
    }

    @Test
    void readsAndWatches() {
        assertThat(parse("GET", "/v2/keys/d", "recursive=true&quorum=1", null))
                .isEqualTo(new KeysRequest.Read("/d", true, false, true));
        assertThat(parse("GET", "/v2/keys", null, null)).isEqualTo(new KeysRequest.Read("/", false, false, false));
        assertThat(parse("GET", "/v2/keys/d", "wait=true&waitIndex=12&recursive=true", null))
                .isEqualTo(new KeysRequest.Watch("/d", true, 12));
    }

    @Test
    void aWaitIndexBeyondTwoToTheFiftyThreeOrNegativeOrNotANumberIsRefusedWith203() {
        for (String bad : new String[]{"9223372036854775807", "9223372036854775808", "9007199254740993", "-1", "", "x", "1e3"}) {
            ApiError e = error(parse("GET", "/v2/keys/k", "wait=true&waitIndex=" + bad, null));
            assertThat(e.status()).as(bad).isEqualTo(400);
            assertThat(e.errorCode()).as(bad).isEqualTo(ApiError.INDEX_NAN);
        }
        assertThat(parse("GET", "/v2/keys/k", "wait=true&waitIndex=9007199254740992", null))
                .isEqualTo(new KeysRequest.Watch("/k", false, dev.fleet.api.WaitIndex.MAX));
    }

    @Test
    void badInputGetsEtcdCodes() {
        assertThat(error(parse("PUT", "/v2/keys/k", "ttl=soon", "value=v")).errorCode()).isEqualTo(202);
        assertThat(error(parse("DELETE", "/v2/keys/k", "prevIndex=x", null)).errorCode()).isEqualTo(203);
        assertThat(error(parse("PUT", "/v2/keys/k", "colour=blue", "value=v")).errorCode()).isEqualTo(209);
        assertThat(error(parse("PUT", "/v2/keys/k", "wait=true", "value=v")).cause()).contains("only be used with GET");
        assertThat(error(parse("PUT", "/v2/keys/k", "prevValue=", "value=v")).errorCode()).isEqualTo(201);
        assertThat(error(parse("PUT", "/v2/keys/a/%2e%2e/b", null, "value=v")).errorCode()).isEqualTo(209);
        assertThat(error(parse("PUT", "/v2/keys/%ff", null, "value=v")).errorCode()).isEqualTo(209);
        assertThat(error(parse("PUT", "/v2/keys/k", null, "value=%ff")).errorCode()).isEqualTo(210);
        ApiError big = error(parse("PUT", "/v2/keys/k", null, "value=" + "x".repeat(KeysRequest.MAX_VALUE_BYTES + 1)));
        assertThat(big.status()).isEqualTo(413);
        assertThat(error(parse("GET", "/v2/keys/k", "stream=true", null)).errorCode()).isEqualTo(209);
    }

    @Test
    void fleetsRegistryIsNeitherReadableNorWritableThroughTheKeysApi() {
        assertThat(error(parse("PUT", "/v2/keys/_fleet/units/x.service", null, "value=1")).status()).isEqualTo(403);
        assertThat(error(parse("DELETE", "/v2/keys/_fleet", "recursive=true", null)).errorCode()).isEqualTo(107);
        assertThat(error(parse("POST", "/v2/keys/_fleet/machines", null, "value=1")).status()).isEqualTo(403);
        // reads, quorum reads and watches of the registry (presence holds the agents' sessions): as if absent
        for (String[] get : new String[][] {{"/v2/keys/_fleet/machines", "recursive=true"}, {"/v2/keys/_fleet", null},
                {"/v2/keys/_fleet/machines/m1", "quorum=true"}, {"/v2/keys//_fleet/machines", "wait=true&recursive=true"},
                {"/v2/keys/%5Ffleet/machines", null}, {"/v2/keys/_fleet/", "wait=true&waitIndex=1"}}) {
            ApiError e = error(parse("GET", get[0], get[1], null));
            assertThat(e.status()).as(get[0]).isEqualTo(404);
            assertThat(e.errorCode()).isEqualTo(100);
        }
        assertThat(error(parse("HEAD", "/v2/keys/_fleet/machines", null, null)).status()).isEqualTo(404);
        assertThat(parse("GET", "/v2/keys/_fleetish", null, null)).isInstanceOf(KeysRequest.Read.class);
        assertThat(parse("GET", "/v2/keys/", "recursive=true", null)).isInstanceOf(KeysRequest.Read.class);
        assertThat(parse("GET", "/v2/keys/", "wait=true&recursive=true", null)).isInstanceOf(KeysRequest.Watch.class);
        assertThat(parse("PUT", "/v2/keys/_fleetish", null, "value=1")).isInstanceOf(KeysRequest.Write.class);
    }
}
