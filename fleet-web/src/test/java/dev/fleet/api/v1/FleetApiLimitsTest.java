package dev.fleet.api.v1;

import dev.fleet.node.NodeLimits;
import dev.fleet.node.NodeLimits.Limit;
import dev.fleet.registry.LocalStore;
import dev.fleet.registry.Registry;
import dev.fleet.schema.Presence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.fleet.api.v1.FleetApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * API v1's and the agent API's limits: unit options and file size, units, PATCH ops, metadata entries and lengths,
 * machines. At the limit accepted; one past refused with its code and message, and nothing written (store index).
 */
class FleetApiLimitsTest {
    final LocalStore store = new LocalStore();
    final Registry registry = new Registry(store, 3, 2);
    final NodeLimits limits = NodeLimits.DEFAULTS.with(Limit.UNIT_OPTIONS, 5).with(Limit.UNIT_FILE_BYTES, 200)
            .with(Limit.PATCH_OPS, 4).with(Limit.METADATA_ENTRIES, 3).with(Limit.METADATA_KEY_LENGTH, 8)
            .with(Limit.METADATA_VALUE_LENGTH, 6).with(Limit.UNITS, 3).with(Limit.MACHINES, 2);
    final FleetApi api = new FleetApi(registry, () -> { }, 100, limits);
    final AgentApi agents = new AgentApi(registry, 30, limits);

    ApiResponse call(String method, String path, String body) {
        return api.handle(new ApiRequest(method, path, null, List.of("application/json"), body.getBytes(StandardCharsets.UTF_8)));
    }

    ApiResponse putUnit(String name, int options, int valueLength) {
        String opts = IntStream.range(0, options)
                .mapToObj(i -> "{\"section\":\"Service\",\"name\":\"Environment\",\"value\":\"" + (i == 0 ? "v".repeat(valueLength) : "X=" + i) + "\"}")
                .collect(Collectors.joining(","));
        return call("PUT", "/fleet/v1/units/" + name, "{\"options\":[" + opts + "]}");
    }

    /** Refused with nothing proposed to the store. */
    void refused(java.util.function.Supplier<ApiResponse> call, int status, String message) {
        long index = store.index();
        assertError(call.get(), status, message);
        assertThat(store.index()).as("nothing written").isEqualTo(index);
    }

    @Test
    void unitOptions() {
        assertThat(putUnit("five.service", 5, 1).status()).isEqualTo(201);
        refused(() -> putUnit("six.service", 6, 1), 400, "unit has 6 options; the limit is 5 (limit_unit_options)");
    }

    @Test
    void unitFileBytesOfTheCanonicalText() {
        // canonical: "[Service]\nEnvironment=" + value + "\n" = 10 + 12 + n + 1 bytes
        assertThat(putUnit("at.service", 1, 200 - 23).status()).isEqualTo(201);
        refused(() -> putUnit("past.service", 1, 200 - 22), 413,
                "unit file is 201 bytes; the limit is 200 (limit_unit_file_bytes)");
    }

    @Test
    void unitsThenExistingOnesStillWritable() {
        for (int i = 1; i <= 3; i++) {
            assertThat(putUnit("u" + i + ".service", 1, 1).status()).isEqualTo(201);
        }
        refused(() -> putUnit("u4.service", 1, 1), 400,
                "too many units: the cluster has its limit of 3 (limit_units); destroy one first");
        assertThat(call("PUT", "/fleet/v1/units/u1.service", "{\"desiredState\":\"launched\"}").status()).isEqualTo(204);
        assertThat(putUnit("u2.service", 2, 1).status()).as("replaced").isEqualTo(201);
    }

    static String ops(int n, String machine) {
        return IntStream.range(0, n).mapToObj(i -> "{\"op\":\"add\",\"path\":\"/" + machine + "/metadata/k" + (i % 3)
                + "\",\"value\":\"v" + i + "\"}").collect(Collectors.joining(",", "[", "]"));
    }

    @Test
    void patchOps() {
        assertThat(call("PATCH", "/fleet/v1/machines", ops(4, "m1")).status()).isEqualTo(204);
        refused(() -> call("PATCH", "/fleet/v1/machines", ops(5, "m1")), 400,
                "PATCH has 5 operations; the limit is 4 (limit_patch_ops)");
    }

    @Test
    void metadataEntriesAfterThePatchCountTheMachinesStaticOnes() {
        registry.register(new Presence("m1", "10.0.0.1", Map.of("a", "1", "b", "2"), "t", "s1", 30));
        String addC = "[{\"op\":\"add\",\"path\":\"/m1/metadata/c\",\"value\":\"3\"}]";
        String addD = "[{\"op\":\"add\",\"path\":\"/m1/metadata/d\",\"value\":\"4\"}]";
        assertThat(call("PATCH", "/fleet/v1/machines", addC).status()).isEqualTo(204);
        refused(() -> call("PATCH", "/fleet/v1/machines", addD), 400,
                "machine m1 would have 4 metadata entries; the limit is 3 (limit_metadata_entries)");
        // a remove in the same PATCH makes room
        String swap = "[{\"op\":\"remove\",\"path\":\"/m1/metadata/a\"}," + addD.substring(1);
        assertThat(call("PATCH", "/fleet/v1/machines", swap).status()).isEqualTo(204);
        assertThat(registry.metadataOf("m1")).containsOnlyKeys("b", "c", "d");
    }

    @Test
    void metadataKeyAndValueLengthsInAPatch() {
        assertThat(call("PATCH", "/fleet/v1/machines", "[{\"op\":\"add\",\"path\":\"/m1/metadata/kkkkkkkk\",\"value\":\"vvvvvv\"}]")
                .status()).isEqualTo(204);
        refused(() -> call("PATCH", "/fleet/v1/machines", "[{\"op\":\"add\",\"path\":\"/m1/metadata/kkkkkkkkk\",\"value\":\"v\"}]"),
                400, "metadata key is 9 characters; the limit is 8 (limit_metadata_key_length)");
        refused(() -> call("PATCH", "/fleet/v1/machines", "[{\"op\":\"add\",\"path\":\"/m1/metadata/k\",\"value\":\"vvvvvvv\"}]"),
                400, "metadata value of k is 7 characters; the limit is 6 (limit_metadata_value_length)");
    }

    ApiResponse register(String id, String json) {
        return agents.register(id, new ApiRequest("PUT", "/", null, null, json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void registrationMetadata() {
        assertThat(register("m1", "{\"session\":\"s1\",\"metadata\":{\"a\":\"1\",\"b\":\"2\",\"kkkkkkkk\":\"vvvvvv\"}}").status())
                .isEqualTo(201);
        refused(() -> register("m2", "{\"session\":\"s2\",\"metadata\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\"}}"), 400,
                "registration has 4 metadata entries; the limit is 3 (limit_metadata_entries)");
        refused(() -> register("m2", "{\"session\":\"s2\",\"metadata\":{\"kkkkkkkkk\":\"1\"}}"), 400,
                "metadata key is 9 characters; the limit is 8 (limit_metadata_key_length)");
        refused(() -> register("m2", "{\"session\":\"s2\",\"metadata\":{\"k\":\"vvvvvvv\"}}"), 400,
                "metadata value of k is 7 characters; the limit is 6 (limit_metadata_value_length)");
    }

    @Test
    void machines() {
        assertThat(register("m1", "{\"session\":\"s1\"}").status()).isEqualTo(201);
        assertThat(register("m2", "{\"session\":\"s2\"}").status()).isEqualTo(201);
        refused(() -> register("m3", "{\"session\":\"s3\"}"), 400,
                "too many machines: the cluster has its limit of 2 (limit_machines) registered");
        assertThat(register("m1", "{\"session\":\"s1\"}").status()).as("a heartbeat").isEqualTo(200);
    }
}
