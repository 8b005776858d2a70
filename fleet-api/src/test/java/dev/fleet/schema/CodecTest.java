package dev.fleet.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** The wire shapes, byte for byte as fleet's API v1 (and our agent API) spell them, and their reading back. */
class CodecTest {
    private static final String HASH = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void unitOmitsEmptyFieldsInFleetsOrder() {
        Unit u = new Unit("a.service", List.of(new UnitOption("Service", "ExecStart", "/bin/true")), "launched", "launched",
                "m1", null);
        assertThat(Codec.unit(u)).isEqualTo("{\"name\":\"a.service\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\","
                + "\"value\":\"/bin/true\"}],\"desiredState\":\"launched\",\"currentState\":\"launched\",\"machineID\":\"m1\"}");
        assertThat(Codec.unit(Unit.put("b.service", List.of(), "loaded"))).isEqualTo("{\"name\":\"b.service\",\"desiredState\":\"loaded\"}");
        assertThat(Codec.readUnit(Codec.unit(u))).isEqualTo(u);
    }

    @Test
    void unitReadsFleetsOwnClientsBody() {
        // fleet's Go client marshals schema.Unit: its field order, empty strings left out, unknown fields possible
        Unit u = Codec.readUnit("{\"desiredState\":\"launched\",\"name\":\"x.service\",\"options\":[{\"name\":\"ExecStart\","
                + "\"section\":\"Service\",\"value\":\"/bin/sleep 1\"}],\"somethingNew\":{\"a\":[1,2]}}");
        assertThat(u).isEqualTo(Unit.put("x.service", List.of(new UnitOption("Service", "ExecStart", "/bin/sleep 1")), "launched"));
    }

    @Test
    void badBodiesSayWhatIsWrong() {
        assertThatThrownBy(() -> Codec.readUnit("{not json")).isInstanceOf(SchemaException.class);
        assertThatThrownBy(() -> Codec.readUnit("[1]")).hasMessage("expected a JSON object");
        assertThatThrownBy(() -> Codec.readUnit("{\"name\":5}")).hasMessage("field \"name\" must be a string");
        assertThatThrownBy(() -> Codec.readUnit("{\"options\":{}}")).hasMessage("field \"options\" must be a list");
        assertThatThrownBy(() -> Codec.readUnit("{\"options\":[3]}")).hasMessage("each option must be an object");
        assertThatThrownBy(() -> Codec.readUnit("{} {}")).hasMessage("unexpected content after the JSON value");
        assertThatThrownBy(() -> Codec.readUnit("")).isInstanceOf(SchemaException.class);
        assertThatThrownBy(() -> Codec.readMetadataPatch("{}")).hasMessage("expected a list of operations");
        assertThatThrownBy(() -> Codec.readRegistration("{\"session\":\"s\",\"agentPort\":70000}", "m1"))
                .hasMessage("agentPort must be an integer between 1 and 65535");
        assertThatThrownBy(() -> Codec.readRegistration("{\"session\":\"s\",\"metadata\":{\"a\":1}}", "m1"))
                .hasMessage("metadata values must be strings");
        assertThatThrownBy(() -> Codec.readStateReport("{\"removed\":[1]}", "m1")).hasMessage("\"removed\" must be a list of unit names");
    }

    @Test
    void statesInBothShapes() {
        UnitState s = new UnitState("a.service", "m1", HASH, "loaded", "active", "running", true, "", "ab".repeat(16));
        assertThat(Codec.state(s)).isEqualTo("{\"name\":\"a.service\",\"hash\":\"" + HASH + "\",\"machineID\":\"m1\","
                + "\"systemdLoadState\":\"loaded\",\"systemdActiveState\":\"active\",\"systemdSubState\":\"running\","
                + "\"systemdInvocationID\":\"" + "ab".repeat(16) + "\"}");
        assertThat(Codec.storedState(s)).isEqualTo("{\"hash\":\"" + HASH + "\",\"loadState\":\"loaded\",\"activeState\":\"active\","
                + "\"subState\":\"running\",\"launched\":true,\"invocationID\":\"" + "ab".repeat(16) + "\"}");
        assertThat(Codec.readStoredState(Codec.storedState(s), "a.service", "m1")).isEqualTo(s);
        StateReport r = new StateReport("sess", List.of(s), List.of("gone.service"));
        assertThat(Codec.readStateReport(Codec.stateReport(r), "m1")).isEqualTo(r);
        // API v1 has no launched: it reads back false
        assertThat(Codec.readState(Codec.state(s))).isEqualTo(new UnitState("a.service", "m1", HASH, "loaded", "active", "running",
                false, "", "ab".repeat(16)));
        // a launch number goes to the agent API and the store, never to API v1 (fleet's shape)
        UnitState l = new UnitState("a.service", "m1", HASH, "loaded", "active", "running", true, "", "", 3);
        assertThat(Codec.storedState(l)).endsWith(",\"launched\":true,\"launch\":3}");
        assertThat(Codec.readStoredState(Codec.storedState(l), "a.service", "m1")).isEqualTo(l);
        assertThat(Codec.state(l)).doesNotContain("launch");
    }

    @Test
    void pagesLeaveOutAnEmptyListAndTheLastToken() {
        assertThat(Codec.unitPage(new Page<>(List.of(), null))).isEqualTo("{}");
        Page<Machine> p = new Page<>(List.of(new Machine("m1", "10.0.0.1", Map.of("region", "eu")), new Machine("m2", "", Map.of())),
                "ZAACAA==");
        assertThat(Codec.machinePage(p)).isEqualTo("{\"machines\":[{\"id\":\"m1\",\"primaryIP\":\"10.0.0.1\",\"metadata\":"
                + "{\"region\":\"eu\"}},{\"id\":\"m2\"}],\"nextPageToken\":\"ZAACAA==\"}");
        assertThat(Codec.readMachinePage(Codec.machinePage(p))).isEqualTo(p);
        assertThat(Codec.readStatePage("{}")).isEqualTo(new Page<>(List.of(), null));
    }

    @Test
    void errorsAndTheirAbsence() {
        assertThat(Codec.error(new ApiError(404, "unit does not exist"))).isEqualTo("{\"error\":{\"code\":404,\"message\":\"unit does not exist\"}}");
        assertThat(Codec.readError("{\"error\":{\"code\":404,\"message\":\"unit does not exist\"}}")).isEqualTo(new ApiError(404, "unit does not exist"));
        assertThat(Codec.readError("<html>")).isNull();
        assertThat(Codec.readError("{\"units\":[]}")).isNull();
        assertThat(Codec.readError("")).isNull();
    }

    @Test
    void metadataPatchInFleetsClientFormAndDocsForm() {
        List<MetadataOp> ops = List.of(MetadataOp.add("m1", "region", "eu"), MetadataOp.remove("m2", "zone"));
        assertThat(Codec.metadataPatch(ops)).isEqualTo("[{\"op\":\"add\",\"path\":\"/m1/metadata/region\",\"value\":{\"value\":\"eu\"}},"
                + "{\"op\":\"remove\",\"path\":\"/m2/metadata/zone\"}]");
        assertThat(Codec.readMetadataPatch(Codec.metadataPatch(ops))).isEqualTo(ops);
        assertThat(Codec.readMetadataPatch("[{\"op\":\"add\",\"path\":\"/m1/metadata/a\",\"value\":\"b\"}]"))
                .containsExactly(MetadataOp.add("m1", "a", "b"));
        assertThat(Codec.readMetadataPatch("[{\"op\":\"add\",\"path\":\"/m1/metadata/a\",\"value\":3}]"))
                .containsExactly(new MetadataOp("add", "/m1/metadata/a", null));
    }

    @Test
    void presenceAndSchedule() {
        Presence p = new Presence("m1", "10.0.0.1", Map.of("b", "2", "a", "1"), "0.1.0", "sess", 30, 4002);
        assertThat(Codec.registration(p)).isEqualTo("{\"session\":\"sess\",\"metadata\":{\"a\":\"1\",\"b\":\"2\"},\"version\":\"0.1.0\","
                + "\"ttl\":30,\"publicIP\":\"10.0.0.1\",\"agentPort\":4002}");
        assertThat(Codec.readRegistration(Codec.registration(p), "m1")).isEqualTo(p);
        assertThat(Codec.storedPresence(p)).isEqualTo("{\"id\":\"m1\",\"publicIP\":\"10.0.0.1\",\"metadata\":{\"a\":\"1\",\"b\":\"2\"},"
                + "\"version\":\"0.1.0\",\"session\":\"sess\",\"ttl\":30,\"agentPort\":4002}");
        assertThat(Codec.readStoredPresence(Codec.storedPresence(p))).isEqualTo(p);
        assertThat(Codec.readRegistration("{\"session\":\"s\"}", "m2").ttlSeconds()).isEqualTo(30);

        Schedule s = new Schedule("m1", 42, Map.of("region", "eu"), List.of(
                new Schedule.Entry("a.service", HASH, "launched", false, List.of(new UnitOption("Service", "ExecStart", "/bin/true"))),
                new Schedule.Entry("g.service", HASH, "loaded", true, List.of())));
        assertThat(Codec.schedule(s)).isEqualTo("{\"machineID\":\"m1\",\"index\":42,\"metadata\":{\"region\":\"eu\"},\"units\":["
                + "{\"name\":\"a.service\",\"hash\":\"" + HASH + "\",\"desiredState\":\"launched\",\"options\":[{\"section\":\"Service\","
                + "\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]},{\"name\":\"g.service\",\"hash\":\"" + HASH + "\","
                + "\"desiredState\":\"loaded\",\"global\":true,\"options\":[]}]}");
        assertThat(Codec.readSchedule(Codec.schedule(s))).isEqualTo(s);
        Schedule.Entry e = new Schedule.Entry("a.service", HASH, "launched", false, List.of(), 2);
        Schedule withLaunch = new Schedule("m1", 43, Map.of(), List.of(e));
        assertThat(Codec.schedule(withLaunch)).contains("\"desiredState\":\"launched\",\"launch\":2,\"options\":[]");
        assertThat(Codec.readSchedule(Codec.schedule(withLaunch))).isEqualTo(withLaunch);
    }

    @Test
    void textIsEscapedAndReadBack() {
        Unit u = Unit.put("q.service", List.of(new UnitOption("Service", "ExecStart", "/bin/sh -c \"echo \\\\ é ☃\"")), null);
        assertThat(Codec.readUnit(Codec.unit(u))).isEqualTo(u);
    }
}
