package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.engine.ClusterState.Slot;
import dev.fleet.unit.Glob;
import dev.fleet.unit.Requirements;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Conflicts without scanning: every distinct Conflicts pattern gets an id, each unit name is matched against
 * the patterns once per plan, and each machine keeps, per pattern, the units there whose name it matches and
 * the units there that declare it. A conflict check is then a few map lookups, whatever the machine holds.
 */
final class ConflictIndex {
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<String, Integer> literalIds = new HashMap<>();
    private final List<Glob> globs = new ArrayList<>();
    private final List<Integer> globIds = new ArrayList<>();
    private final Map<String, int[]> declared = new HashMap<>();
    private final Map<String, int[]> matchedBy = new HashMap<>();
    private final Function<String, Requirements> requirements;

    ConflictIndex(Iterable<Unit> units, Function<String, Requirements> requirements) {
        this.requirements = requirements;
        for (Unit u : units) {
            u.requirements().conflicts().forEach(this::register);
        }
    }

    private void register(String pattern) {
        Glob g = Glob.compile(pattern);
        if (ids.containsKey(pattern) || !g.valid()) {
            return; // a malformed pattern matches nothing (Go's ErrBadPattern)
        }
        int id = ids.size();
        ids.put(pattern, id);
        if (g.literal() != null) {
            literalIds.put(g.literal(), id); // the common case, "Conflicts=db.service": a lookup, not a match
        } else {
            globs.add(g);
            globIds.add(id);
        }
    }

    void add(String unit, Slot slot) {
        for (int id : matchedBy(unit)) {
            slot.matching.computeIfAbsent(id, k -> new TreeSet<>()).add(unit);
        }
        for (int id : declared(unit)) {
            slot.declaring.computeIfAbsent(id, k -> new TreeSet<>()).add(unit);
        }
    }

    void remove(String unit, Slot slot) {
        for (int id : matchedBy(unit)) {
            slot.matching.get(id).remove(unit);
        }
        for (int id : declared(unit)) {
            slot.declaring.get(id).remove(unit);
        }
    }

    /** The first (by name) unit on {@code slot} that conflicts with {@code unit} either way, or null. */
    String firstConflict(String unit, Slot slot) {
        String found = null;
        for (int id : declared(unit)) {
            found = min(found, firstOther(slot.matching.get(id), unit));
        }
        for (int id : matchedBy(unit)) {
            found = min(found, firstOther(slot.declaring.get(id), unit));
        }
        return found;
    }

    /** A unit never conflicts with itself. */
    private static String firstOther(TreeSet<String> names, String self) {
        if (names == null || names.isEmpty()) {
            return null;
        }
        String first = names.first();
        return first.equals(self) ? names.higher(self) : first;
    }

    private static String min(String a, String b) {
        return a == null ? b : b == null || a.compareTo(b) <= 0 ? a : b;
    }

    private int[] declared(String unit) {
        return declared.computeIfAbsent(unit, k -> requirements.apply(k).conflicts().stream()
                .filter(ids::containsKey).mapToInt(ids::get).distinct().toArray());
    }

    private int[] matchedBy(String unit) {
        return matchedBy.computeIfAbsent(unit, name -> {
            List<Integer> hit = new ArrayList<>();
            Integer literal = literalIds.get(name);
            if (literal != null) {
                hit.add(literal);
            }
            for (int i = 0; i < globs.size(); i++) {
                if (globs.get(i).matches(name)) {
                    hit.add(globIds.get(i));
                }
            }
            return hit.stream().mapToInt(Integer::intValue).toArray();
        });
    }
}
