package dev.fleet.api.v1;

import dev.fleet.registry.LocalStore;
import dev.fleet.registry.Registry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent endpoints refuse bad input before anything is written, and act only for the registering agent. */
class AgentApiTest {
    final Registry registry = new Registry(new LocalStore());
    final AgentApi api = new AgentApi(registry);

    static ApiRequest body(String json) {
        return new ApiRequest("PUT", "/", null, null, json.getBytes(StandardCharsets.UTF_8));
    }

    ApiResponse register(String id, String json) {
        try {
            return api.register(id, body(json));
        } catch (dev.fleet.schema.SchemaException e) {
            return FleetApi.badBody(e);
        }
    }

    ApiResponse report(String id, String json) {
        try {
            return api.reportStates(id, body(json));
        } catch (dev.fleet.schema.SchemaException e) {
            return FleetApi.badBody(e);
        }
    }

    @Test
    void registrationNeedsAValidIdASessionAndASaneTtl() {
        assertThat(register("../etc", "{\"session\":\"s\"}").status()).isEqualTo(400);
        assertThat(register("m1", "{}").status()).isEqualTo(400);
        assertThat(register("m1", "{\"session\":\"s\",\"ttl\":0}").status()).isEqualTo(400);
        assertThat(register("m1", "{\"session\":42}").status()).isEqualTo(400);
        assertThat(register("m1", "not json").status()).isEqualTo(400);
        assertThat(registry.machines()).isEmpty();
        assertThat(register("m1", "{\"session\":\"s\",\"ttl\":3}").status()).isEqualTo(201);
        assertThat(register("m1", "{\"session\":\"s\",\"ttl\":3}").status()).isEqualTo(200);
        assertThat(register("m1", "{\"session\":\"other\",\"ttl\":3}").status()).isEqualTo(409);
    }

    @Test
    void hostileUnitNamesAndForeignSessionsAreRefused() {
        register("m1", "{\"session\":\"s\",\"ttl\":30}");
        String hash = "1c6fb6f3684bafb0c173d8b8b957ceff031180c1";
        assertThat(report("m1", "{\"session\":\"s\",\"states\":[{\"name\":\"../x.service\",\"hash\":\"" + hash + "\"}]}").status())
                .isEqualTo(400);
        assertThat(report("m1", "{\"session\":\"s\",\"states\":[{\"name\":\"" + "a".repeat(250) + ".service\",\"hash\":\"" + hash + "\"}]}").status())
                .isEqualTo(400);
        assertThat(report("m1", "{\"session\":\"s\",\"states\":[{\"name\":\"a.service\",\"hash\":\"xyz\"}]}").status()).isEqualTo(400);
        assertThat(report("m1", "{\"session\":\"s\",\"removed\":[\"a/b.service\"]}").status()).isEqualTo(400);
        assertThat(report("m1", "{\"session\":\"s\",\"removed\":[7]}").status()).isEqualTo(400);
        assertThat(report("m1", "{\"session\":\"intruder\",\"states\":[{\"name\":\"a.service\",\"hash\":\"" + hash + "\"}]}").status())
                .isEqualTo(409);
        assertThat(registry.states()).isEmpty();
        assertThat(report("m1", "{\"session\":\"s\",\"states\":[{\"name\":\"a.service\",\"hash\":\"" + hash + "\",\"activeState\":\"active\"}]}").status())
                .isEqualTo(204);
        assertThat(registry.states()).singleElement().satisfies(s -> assertThat(s.activeState()).isEqualTo("active"));
    }

    @Test
    void deregistrationNeedsTheSession() {
        register("m1", "{\"session\":\"s\",\"ttl\":30}");
        assertThat(api.deregister("m1", new ApiRequest("DELETE", "/", "session=other", null, null)).status()).isEqualTo(404);
        assertThat(api.deregister("m1", new ApiRequest("DELETE", "/", "session=s", null, null)).status()).isEqualTo(204);
        assertThat(registry.machines()).isEmpty();
    }

    @Test
    void agentPortIsStoredAndRangeChecked() {
        for (String bad : new String[]{"0", "65536", "-1", "80.5", "\"8080\""}) {
            assertThat(register("m1", "{\"session\":\"s\",\"agentPort\":" + bad + "}").status()).as(bad).isEqualTo(400);
        }
        assertThat(registry.machines()).isEmpty();
        assertThat(register("m1", "{\"session\":\"s\",\"publicIP\":\"10.0.0.1\",\"agentPort\":4011}").status()).isEqualTo(201);
        assertThat(registry.machineRecord("m1").orElseThrow().agentPort()).isEqualTo(4011);
        assertThat(register("m2", "{\"session\":\"s\"}").status()).isEqualTo(201);
        assertThat(registry.machineRecord("m2").orElseThrow().agentPort()).isZero();
    }

    @Test
    void aRegistrationWithoutTtlTakesTheNodesAgentTtl() {
        assertThat(register("m1", "{\"session\":\"s\"}").status()).isEqualTo(201);
        assertThat(registry.machineRecord("m1").orElseThrow().ttlSeconds()).isEqualTo(30);
        AgentApi configured = new AgentApi(registry, 7);
        assertThat(configured.register("m2", body("{\"session\":\"s\"}")).status()).isEqualTo(201);
        assertThat(registry.machineRecord("m2").orElseThrow().ttlSeconds()).isEqualTo(7);
        assertThat(configured.register("m3", body("{\"session\":\"s\",\"ttl\":12}")).status()).isEqualTo(201);
        assertThat(registry.machineRecord("m3").orElseThrow().ttlSeconds()).isEqualTo(12);
    }

    @Test
    void resultAndInvocationIdAreStoredAndShownInApiV1() {
        register("m1", "{\"session\":\"s\",\"ttl\":30}");
        String hash = "1c6fb6f3684bafb0c173d8b8b957ceff031180c1";
        String inv = "0123456789abcdef0123456789ABCDEF";
        assertThat(report("m1", "{\"session\":\"s\",\"states\":[{\"name\":\"a.service\",\"hash\":\"" + hash
                + "\",\"result\":\"exit code\"}]}").status()).isEqualTo(400);
        assertThat(report("m1", "{\"session\":\"s\",\"states\":[{\"name\":\"a.service\",\"hash\":\"" + hash
                + "\",\"invocationID\":\"abc\"}]}").status()).isEqualTo(400);
        assertThat(report("m1", "{\"session\":\"s\",\"states\":[{\"name\":\"a.service\",\"hash\":\"" + hash
                + "\",\"loadState\":\"loaded\",\"activeState\":\"failed\",\"subState\":\"failed\",\"result\":\"exit-code\","
                + "\"invocationID\":\"" + inv + "\"},{\"name\":\"b.service\",\"hash\":\"" + hash + "\"}]}").status()).isEqualTo(204);
        var a = registry.state("a.service", "m1").orElseThrow();
        assertThat(a.result()).isEqualTo("exit-code");
        assertThat(a.invocationId()).isEqualTo(inv.toLowerCase());
        assertThat(dev.fleet.schema.Codec.state(a)).contains("\"systemdResult\":\"exit-code\"")
                .contains("\"systemdInvocationID\":\"" + inv.toLowerCase() + "\"");
        // omitted when empty, as every other field of fleet's entities
        assertThat(dev.fleet.schema.Codec.state(registry.state("b.service", "m1").orElseThrow()))
                .doesNotContain("systemdResult").doesNotContain("systemdInvocationID");
    }
}
