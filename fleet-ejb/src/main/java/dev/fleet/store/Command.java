package dev.fleet.store;

import java.util.List;

/**
 * A replicated command. Every replica applies the same commands in the same order; {@link #time()}
 * is the only way wall-clock time enters the state machine (TTL expiry is therefore deterministic).
 */
public sealed interface Command permits Command.Put, Command.Post, Command.Delete, Command.QuorumGet, Command.Tick, Command.Txn, Command.Group {

    /** Epoch millis of the node that submitted the command. */
    long time();

    /** PUT /v2/keys/{key}: set, create, update or compareAndSwap depending on the prev* fields. */
    record Put(long time, String key, String value, boolean dir, Long ttl,
               Boolean prevExist, String prevValue, Long prevIndex, boolean refresh) implements Command {
        public static Put set(long time, String key, String value) {
            return new Put(time, key, value, false, null, null, null, null, false);
        }
    }

    /** POST /v2/keys/{dirKey}: create an in-order key named after the new index. */
    record Post(long time, String dirKey, String value, Long ttl) implements Command { }

    /** DELETE /v2/keys/{key}: delete or compareAndDelete. */
    record Delete(long time, String key, boolean dir, boolean recursive, String prevValue, Long prevIndex) implements Command { }

    /** A linearizable read: goes through the log, changes nothing. */
    record QuorumGet(long time, String key, boolean recursive, boolean sorted) implements Command { }

    /** The leader's clock: advances time and expires due keys. */
    record Tick(long time) implements Command { }

    /** All conditions hold, then every operation applies — or nothing changes. */
    record Txn(long time, List<Condition> conditions, List<Command> operations) implements Command {
        public Txn {
            conditions = List.copyOf(conditions);
            operations = List.copyOf(operations);
            for (Command op : operations) {
                if (!(op instanceof Put || op instanceof Post || op instanceof Delete)) {
                    throw new IllegalArgumentException("a transaction holds only Put, Post and Delete, not " + op);
                }
            }
        }
    }

    /**
     * Several independent commands in one log entry (group commit): each applies as if submitted alone, in
     * order, with its own result. It saves a RAFT round trip and an fsync per command under load.
     */
    record Group(long time, List<Command> commands) implements Command {
        public Group {
            commands = List.copyOf(commands);
            for (Command c : commands) {
                if (c instanceof Tick || c instanceof Group) {
                    throw new IllegalArgumentException("a group holds no ticks and no groups, not " + c);
                }
            }
        }
    }

    /** A precondition of a {@link Txn}; unset fields (null) are not checked. */
    record Condition(String key, Boolean prevExist, String prevValue, Long prevIndex) { }
}
