package dev.fleet.registry;

import dev.fleet.store.Command;
import dev.fleet.store.Command.Condition;

import java.util.ArrayList;
import java.util.List;

/**
 * The one owner of the invariant "a unit record, its machine's schedule entry and its global mirror agree": the only
 * code that writes {@code /_fleet/units/NAME} together with {@code /_fleet/schedule/MACHINE/NAME} and
 * {@code /_fleet/global/NAME}. The API's put and destroy and the engine's moves all take their writes from here and
 * add them, with {@link #unchanged}, to a transaction of their own (which may carry more: a body, a reason, a fence).
 */
final class UnitWrites {
    private UnitWrites() { }

    /**
     * The condition that the unit record is still {@code old} as read: absent if {@code old} is null (a create), else
     * at {@code old}'s index. Every transaction built from {@link #ops} carries it, so no writer overwrites a change
     * it did not see.
     */
    static Condition unchanged(String name, UnitRecord old) {
        return old == null
                ? new Condition(Keys.unit(name), false, null, null)
                : new Condition(Keys.unit(name), null, null, old.index());
    }

    /**
     * The commands that turn unit record {@code old} (null: none yet) into {@code next} (null: destroy), with the
     * schedule entry and the global mirror in step: the record first; then the old machine's entry goes if the target
     * changes (or the unit goes), the new one is (re)written whenever there is a target (it carries hash and desired
     * state); the same for the global mirror.
     */
    static List<Command> ops(long now, UnitRecord old, UnitRecord next) {
        if (old == null && next == null) {
            throw new IllegalArgumentException("a unit change needs a record before or after it");
        }
        if (old != null && next != null && !old.name().equals(next.name())) {
            throw new IllegalArgumentException("a unit change cannot rename " + old.name() + " to " + next.name());
        }
        String name = next == null ? old.name() : next.name();
        List<Command> ops = new ArrayList<>(3);
        ops.add(next == null ? Registry.delete(now, Keys.unit(name)) : Registry.put(now, Keys.unit(name), next.encode()));
        String nextTarget = next == null ? null : next.target();
        if (old != null && old.target() != null && !old.target().equals(nextTarget)) {
            ops.add(Registry.delete(now, Keys.schedule(old.target(), name)));
        }
        if (nextTarget != null) {
            ops.add(Registry.put(now, Keys.schedule(nextTarget, name), next.scheduleEntry()));
        }
        boolean nextGlobal = next != null && next.global();
        if (old != null && old.global() && !nextGlobal) {
            ops.add(Registry.delete(now, Keys.global(name)));
        }
        if (nextGlobal) {
            ops.add(Registry.put(now, Keys.global(name), next.scheduleEntry()));
        }
        return ops;
    }
}
