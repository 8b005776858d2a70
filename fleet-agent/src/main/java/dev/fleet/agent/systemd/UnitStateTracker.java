package dev.fleet.agent.systemd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.fleet.agent.systemd.SystemdPort.UnitState;

/**
 * The last known state of each unit, merged from partial updates, and de-duplication of what is delivered.
 * systemd's PropertiesChanged for org.freedesktop.systemd1.Unit carries ActiveState/SubState/InvocationID
 * but not LoadState, and the type-specific interface (Service, Socket, ...) carries Result in a signal of its
 * own, sent just before the Unit one; so a state is the merge of several signals and of what was read once.
 * A state is delivered when (load, active, sub, result) differs from the last one delivered for that unit.
 * Not thread-safe: used from one thread.
 */
final class UnitStateTracker {

    static final String LOAD_STATE = "LoadState";
    static final String ACTIVE_STATE = "ActiveState";
    static final String SUB_STATE = "SubState";
    static final String RESULT = "Result";
    static final String INVOCATION_ID = "InvocationID";

    private static final class Known {
        final Map<String, String> values = new HashMap<>(8);
        List<String> deliveredKey;
    }

    /** Bound of the last delivered states kept for units systemd unloaded. */
    static final int MAX_REMOVED = 4096;

    private final Map<String, Known> units = new HashMap<>();
    /**
     * systemd unloads (garbage-collects) an inactive unit nobody references and loads it again on the next
     * StartUnit, announcing the same inactive/dead state: what was delivered is remembered for a while.
     */
    private final Map<String, List<String>> removed = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<String>> eldest) {
            return size() > MAX_REMOVED;
        }
    };

    /** Merges the given values (keys as above; others ignored) into what is known of {@code name}. */
    void merge(String name, Map<String, String> changes) {
        Known known = units.computeIfAbsent(name, n -> {
            Known fresh = new Known();
            fresh.deliveredKey = removed.remove(n);
            return fresh;
        });
        for (String key : List.of(LOAD_STATE, ACTIVE_STATE, SUB_STATE, RESULT, INVOCATION_ID)) {
            String value = changes.get(key);
            if (value != null) {
                known.values.put(key, value);
            }
        }
    }

    boolean knowsLoadState(String name) {
        Known known = units.get(name);
        return known != null && known.values.containsKey(LOAD_STATE);
    }

    /**
     * The merged state of {@code name} if it is complete (load, active and sub known) and differs from the
     * last delivered one in (load, active, sub, result); it then counts as delivered.
     */
    Optional<UnitState> takeIfChanged(String name) {
        Known known = units.get(name);
        if (known == null) {
            return Optional.empty();
        }
        String load = known.values.get(LOAD_STATE);
        String active = known.values.get(ACTIVE_STATE);
        String sub = known.values.get(SUB_STATE);
        if (load == null || active == null || sub == null) {
            return Optional.empty();
        }
        String result = known.values.getOrDefault(RESULT, "");
        List<String> key = List.of(load, active, sub, result);
        if (Objects.equals(key, known.deliveredKey)) {
            return Optional.empty();
        }
        known.deliveredKey = key;
        return Optional.of(new UnitState(name, load, active, sub, result, known.values.getOrDefault(INVOCATION_ID, "")));
    }

    /**
     * systemd unloaded the unit: forget what was read of it (LoadState is read again when it comes back), keep
     * only its last delivered state in a bounded map, so memory follows the units systemd has loaded.
     */
    void forget(String name) {
        Known known = units.remove(name);
        if (known != null && known.deliveredKey != null) {
            removed.put(name, known.deliveredKey);
        }
    }

    List<String> names() {
        return new ArrayList<>(units.keySet());
    }
}
