package dev.fleet.api.v1;

import dev.fleet.engine.Engine;
import dev.fleet.engine.EngineMetrics;
import dev.fleet.json.Jsonp;
import dev.fleet.registry.LocalStore;
import dev.fleet.schema.Presence;
import dev.fleet.registry.Registry;
import dev.fleet.schema.UnitState;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which machines a unit's status and journal come from, the agent URLs, and how answers are combined. */
class UnitAgentsTest {
    static final UnitFile SLEEP = UnitFile.parse("[Service]\nExecStart=/bin/sleep 1000\n");
    static final UnitFile GLOBAL = UnitFile.parse("[Service]\nExecStart=/bin/sleep 1000\n\n[X-Fleet]\nGlobal=true\n");

    final Registry registry = new Registry(new LocalStore());
    final Engine engine = new Engine(registry, "n1", () -> true, () -> 1, new EngineMetrics());
    final UnitAgents agents = new UnitAgents(registry);

    void machine(String id, String ip, int port) {
        registry.register(new Presence(id, ip, Map.of(), "t", "s-" + id, 30, port));
    }

    static JsonObject json(ApiResponse r) {
        return Jsonp.JSON.createReader(new StringReader(r.body())).readObject();
    }

    @Test
    void aPlacedUnitIsOnItsTargetAndItsAgentUrlIsBuiltFromIpAndPort() {
        machine("m1", "10.0.0.1", 4011);
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        engine.pass();
        UnitAgents.StatusPlan plan = agents.planStatus("a.service");
        assertThat(plan.error()).isNull();
        assertThat(plan.targets()).singleElement().satisfies(t -> {
            assertThat(t.machineId()).isEqualTo("m1");
            assertThat(t.status("a.service")).isEqualTo(URI.create("http://10.0.0.1:4011/agent/v1/units/a.service/status"));
            assertThat(t.journal("x@1.service", 5, true))
                    .isEqualTo(URI.create("http://10.0.0.1:4011/agent/v1/units/x%401.service/journal?lines=5&follow=true"));
        });
    }

    @Test
    void unknownBadOrUnplacedUnits() {
        assertThat(agents.planStatus("nope.service").error().status()).isEqualTo(404);
        assertThat(agents.planStatus("../etc/passwd").error().status()).isEqualTo(400);
        registry.putUnit("db.service", UnitFile.parse("[Service]\nExecStart=/bin/db\n\n[X-Fleet]\nMachineMetadata=role=db\n"),
                DesiredState.LAUNCHED);
        machine("m1", "10.0.0.1", 4011);
        engine.pass();
        UnitAgents.StatusPlan plan = agents.planStatus("db.service");
        assertThat(plan.targets()).isEmpty();
        JsonObject out = json(UnitAgents.statusResponse(plan, List.of()));
        assertThat(out.getJsonArray("statuses")).isEmpty();
        assertThat(out.getString("reason")).contains("role=db");
        UnitAgents.JournalPlan j = agents.planJournal("db.service", null, null, null);
        assertThat(j.error().status()).isEqualTo(409);
        assertThat(j.error().body()).contains("is not on any machine").contains("role=db");
    }

    @Test
    void aGlobalUnitIsOnEveryLiveMachineThatReportsItInIdOrder() {
        machine("m2", "10.0.0.2", 4011);
        machine("m1", "::1", 4012);
        machine("m3", "10.0.0.3", 4013);
        registry.putUnit("g.service", GLOBAL, DesiredState.LAUNCHED);
        for (String m : List.of("m2", "m1")) {
            registry.reportStates(m, "s-" + m, List.of(new UnitState("g.service", m, GLOBAL.hash(), "loaded", "active",
                    "running", true)), List.of());
        }
        UnitAgents.StatusPlan plan = agents.planStatus("g.service");
        assertThat(UnitAgents.agents(plan.targets())).containsExactly(
                Map.entry("m1", URI.create("http://[0:0:0:0:0:0:0:1]:4012")), Map.entry("m2", URI.create("http://10.0.0.2:4011")));
        UnitAgents.JournalPlan several = agents.planJournal("g.service", "5", "true", null);
        assertThat(several.error().status()).isEqualTo(400);
        assertThat(several.error().body()).contains("m1, m2").contains("machineID");
        UnitAgents.JournalPlan one = agents.planJournal("g.service", "5", "true", "m2");
        assertThat(one.error()).isNull();
        assertThat(one.upstream()).isEqualTo(URI.create("http://10.0.0.2:4011/agent/v1/units/g.service/journal?lines=5&follow=true"));
        assertThat(agents.planJournal("g.service", null, null, "m3").error().status()).isEqualTo(404);
    }

    @Test
    void journalParametersAreValidated() {
        machine("m1", "10.0.0.1", 4011);
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        engine.pass();
        assertThat(agents.planJournal("a.service", null, null, null).lines()).isEqualTo(10);
        assertThat(agents.planJournal("a.service", "0", "false", null).lines()).isZero();
        assertThat(agents.planJournal("a.service", "10000", null, null).lines()).isEqualTo(10000);
        for (String bad : List.of("-1", "10001", "ten", "1e3")) {
            assertThat(agents.planJournal("a.service", bad, null, null).error().status()).as(bad).isEqualTo(400);
        }
        assertThat(agents.planJournal("a.service", null, "yes", null).error().status()).isEqualTo(400);
        assertThat(agents.planJournal("a.service", null, "true", null).follow()).isTrue();
    }

    @Test
    void journalOutputModeIsOneOfJournalctlsAndReachesTheAgent() {
        machine("m1", "10.0.0.1", 4011);
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        engine.pass();
        UnitAgents.JournalPlan json = agents.planJournal("a.service", "5", "false", null, "json");
        assertThat(json.error()).isNull();
        assertThat(json.upstream()).isEqualTo(URI.create("http://10.0.0.1:4011/agent/v1/units/a.service/journal?lines=5&follow=false&output=json"));
        assertThat(agents.planJournal("a.service", "5", "false", null, "").upstream())
                .isEqualTo(URI.create("http://10.0.0.1:4011/agent/v1/units/a.service/journal?lines=5&follow=false"));
        for (String bad : List.of("JSON", "json --all", "--output=cat", "short&x=1", "x")) {
            ApiResponse e = agents.planJournal("a.service", null, null, null, bad).error();
            assertThat(e.status()).as(bad).isEqualTo(400);
            assertThat(e.body()).as(bad).contains("output must be one of journalctl's modes (short, ");
        }
    }

    @Test
    void noUrlFromAnythingButAnIpLiteralAndARegisteredPort() {
        assertThat(UnitAgents.ipLiteral("10.1.2.3")).contains("10.1.2.3");
        assertThat(UnitAgents.ipLiteral("fe80::1")).contains("[fe80:0:0:0:0:0:0:1]");
        for (String bad : List.of("", "example.com", "10.0.0.1/x", "10.0.0.1:80", "256.1.1.1", "evil@10.0.0.1", "localhost",
                "fe80::1%eth0", "[::1]", "10.0.0.1#")) {
            assertThat(UnitAgents.ipLiteral(bad)).as(bad).isEmpty();
        }
        assertThat(UnitAgents.target("m1", new Presence("m1", "10.0.0.1", Map.of(), "", "s", 30)).problem())
                .contains("did not register an agentPort");
        assertThat(UnitAgents.target("m1", new Presence("m1", "example.com", Map.of(), "", "s", 30, 80)).problem())
                .contains("no usable public IP");
        assertThat(UnitAgents.target("m1", null).problem()).contains("not present");
    }

    @Test
    void answersBecomeEntriesInMachineOrderWithErrorsForSilentAgents() {
        machine("m1", "10.0.0.1", 4011);
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        engine.pass();
        UnitAgents.StatusPlan plan = agents.planStatus("a.service");
        UnitAgents.AgentAnswer ok = UnitAgents.fromAgent("m2", 200,
                "{\"machineID\":\"lies\",\"name\":\"a.service\",\"properties\":{\"ActiveState\":\"active\"},\"text\":\"● a.service\"}");
        UnitAgents.AgentAnswer notLoaded = UnitAgents.fromAgent("m3", 404, "{\"error\":{\"code\":404,\"message\":\"unit not loaded\"}}");
        UnitAgents.AgentAnswer silent = UnitAgents.AgentAnswer.failed("m1", "agent at http://10.0.0.1:4011 did not answer");
        JsonObject out = json(UnitAgents.statusResponse(plan, List.of(notLoaded, ok, silent)));
        assertThat(out.getJsonArray("statuses").stream().map(v -> v.asJsonObject().getString("machineID")))
                .containsExactly("m1", "m2", "m3");
        assertThat(out.getJsonArray("statuses").getJsonObject(0).getString("error")).contains("did not answer");
        assertThat(out.getJsonArray("statuses").getJsonObject(1).getString("text")).isEqualTo("● a.service");
        assertThat(out.getJsonArray("statuses").getJsonObject(2).getString("error")).isEqualTo("agent answered HTTP 404: unit not loaded");
        assertThat(out.containsKey("reason")).isFalse();
        assertThat(UnitAgents.fromAgent("m1", 200, "not json").error()).startsWith("agent answered HTTP 200");
    }

    @Test
    void anAgentsCertificateMustBeThatMachinesAgentCertificate() {
        String id = "0123456789abcdef0123456789abcdef";
        assertThat(UnitAgents.agentCertificateProblem(id, "CN=" + id + ",OU=agent,O=fleet")).isEmpty();
        assertThat(UnitAgents.agentCertificateProblem(id, "O=fleet,OU=agent,CN=" + id)).isEmpty();
        assertThat(UnitAgents.agentCertificateProblem(id, "CN=other,OU=agent,O=fleet"))
                .hasValue("agent certificate is for machine other, not " + id);
        assertThat(UnitAgents.agentCertificateProblem(id, "OU=agent,O=fleet"))
                .hasValue("agent certificate is for machine (none), not " + id);
        for (String notAgent : new String[] {"CN=" + id + ",OU=node,O=fleet", "CN=" + id + ",OU=operate", "CN=" + id + ",O=fleet",
                "CN=" + id + ",OU=agent,OU=admin"}) {
            assertThat(UnitAgents.agentCertificateProblem(id, notAgent)).as(notAgent)
                    .hasValueSatisfying(m -> assertThat(m).contains("is not an agent's"));
        }
        assertThat(UnitAgents.agentCertificateProblem(id, "CN=" + id + ",CN=x,OU=agent")).isPresent();
        assertThat(UnitAgents.agentCertificateProblem(id, null)).hasValueSatisfying(m -> assertThat(m).contains("no certificate"));
        assertThat(UnitAgents.agentCertificateProblem(id, ",,=")).isPresent();
    }
}
