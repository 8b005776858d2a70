package dev.fleet.registry;

import static dev.fleet.json.Jsonp.JSON;

import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

import java.io.StringReader;

/**
 * What an agent reports about one unit on its machine: systemd's load/active/sub state, the hash of the
 * file it runs, whether the agent has started it ({@code launched}: fleet's launched heartbeat), and, when
 * the agent knows them, systemd's {@code Result} of the last run (e.g. {@code exit-code}) and the
 * {@code InvocationID} of the current or last run ("" = not reported).
 */
public record UnitState(String name, String machineId, String hash, String loadState, String activeState,
                        String subState, boolean launched, String result, String invocationId) {

    public UnitState {
        result = result == null ? "" : result;
        invocationId = invocationId == null ? "" : invocationId;
    }

    public UnitState(String name, String machineId, String hash, String loadState, String activeState,
                     String subState, boolean launched) {
        this(name, machineId, hash, loadState, activeState, subState, launched, "", "");
    }

    String encode() {
        JsonObjectBuilder o = JSON.createObjectBuilder().add("hash", hash).add("loadState", loadState)
                .add("activeState", activeState).add("subState", subState).add("launched", launched);
        if (!result.isEmpty()) {
            o.add("result", result);
        }
        if (!invocationId.isEmpty()) {
            o.add("invocationID", invocationId);
        }
        return o.build().toString();
    }

    static UnitState decode(String name, String machineId, String value) {
        JsonObject o = JSON.createReader(new StringReader(value)).readObject();
        return new UnitState(name, machineId, o.getString("hash", ""), o.getString("loadState", ""),
                o.getString("activeState", ""), o.getString("subState", ""), o.getBoolean("launched", false),
                o.getString("result", ""), o.getString("invocationID", ""));
    }
}
