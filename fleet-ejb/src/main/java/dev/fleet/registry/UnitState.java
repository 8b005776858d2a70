package dev.fleet.registry;

import static dev.fleet.json.Jsonp.JSON;

import jakarta.json.JsonObject;

import java.io.StringReader;

/**
 * What an agent reports about one unit on its machine: systemd's load/active/sub state, the hash of the
 * file it runs, and whether the agent has started it ({@code launched}: fleet's launched heartbeat).
 */
public record UnitState(String name, String machineId, String hash, String loadState, String activeState,
                        String subState, boolean launched) {

    String encode() {
        return JSON.createObjectBuilder().add("hash", hash).add("loadState", loadState)
                .add("activeState", activeState).add("subState", subState).add("launched", launched)
                .build().toString();
    }

    static UnitState decode(String name, String machineId, String value) {
        JsonObject o = JSON.createReader(new StringReader(value)).readObject();
        return new UnitState(name, machineId, o.getString("hash", ""), o.getString("loadState", ""),
                o.getString("activeState", ""), o.getString("subState", ""), o.getBoolean("launched", false));
    }
}
