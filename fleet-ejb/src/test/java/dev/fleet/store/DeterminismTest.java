package dev.fleet.store;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static dev.fleet.store.Cmd.T;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas fed the same commands end identical. Replica B receives every command through the
 * codec (as from the RAFT log) and replica C starts half-way from a snapshot of A.
 */
class DeterminismTest {
    private static final String[] KEYS = {"/a", "/b", "/a/x", "/a/y", "/d", "/d/e", "/d/e/f", "/_h", "/_h/z", "/q", "/q/r"};

    private final Random rnd = new Random(20240611L);
    private long time = T;

    private String key() {
        return KEYS[rnd.nextInt(KEYS.length)];
    }

    private String value() {
        return rnd.nextInt(10) == 0 ? null : "v" + rnd.nextInt(4);
    }

    private Long ttl() {
        return rnd.nextInt(3) == 0 ? (long) rnd.nextInt(6) : null;
    }

    private Boolean maybeBool() {
        int i = rnd.nextInt(3);
        return i == 0 ? null : i == 1;
    }

    private Long prevIndex(long current) {
        return rnd.nextBoolean() ? null : Math.max(0, current - rnd.nextInt(6));
    }

    private Command write(long t, long index) {
        switch (rnd.nextInt(9)) {
            case 0, 1:
                return new Command.Put(t, key(), value(), rnd.nextInt(5) == 0, ttl(), maybeBool(),
                        rnd.nextInt(3) == 0 ? value() : null, rnd.nextInt(3) == 0 ? prevIndex(index) : null, false);
            case 2:
                return new Command.Put(t, key(), null, false, rnd.nextInt(4) == 0 ? null : (long) rnd.nextInt(6),
                        maybeBool(), null, null, true);
            case 3:
                return new Command.Post(t, rnd.nextBoolean() ? "/q" : "/d", value(), ttl());
            case 4:
                return new Command.Delete(t, key(), rnd.nextBoolean(), rnd.nextBoolean(), null, null);
            case 5:
                return new Command.Delete(t, key(), false, false, rnd.nextBoolean() ? value() : null, prevIndex(index));
            default:
                return Cmd.set(t, key(), value());
        }
    }

    private Command next(long index) {
        time += rnd.nextInt(900) - 150; // sometimes backwards: the clock takes the max
        int kind = rnd.nextInt(20);
        if (kind < 13) {
            return write(time, index);
        } else if (kind < 15) {
            return new Command.Tick(time);
        } else if (kind < 16) {
            return new Command.QuorumGet(time, rnd.nextBoolean() ? "/" : key(), rnd.nextBoolean(), true);
        }
        List<Command.Condition> conditions = new ArrayList<>();
        for (int i = rnd.nextInt(3); i > 0; i--) {
            conditions.add(new Command.Condition(key(), maybeBool(), rnd.nextBoolean() ? value() : null,
                    rnd.nextInt(3) == 0 ? prevIndex(index) : null));
        }
        List<Command> ops = new ArrayList<>();
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            ops.add(write(time, index));
        }
        return new Command.Txn(time, conditions, ops);
    }

    @Test
    void replicasFedTheSameCommandsEndIdentical() throws IOException {
        KeyStore a = new KeyStore(64);
        KeyStore b = new KeyStore(64);
        KeyStore c = null;
        TreeMap<String, Integer> outcomes = new TreeMap<>();
        int steps = 10_000;
        for (int i = 0; i < steps; i++) {
            if (i == steps / 2) {
                c = new KeyStore(64);
                c.readFrom(new DataInputStream(new ByteArrayInputStream(Cmd.snapshot(a))));
            }
            Command cmd = next(a.index());
            byte[] wire = StoreCodec.encode(cmd);
            Command decoded = StoreCodec.decodeCommand(wire, 0, wire.length);
            assertThat(decoded).isEqualTo(cmd);

            Result ra = a.apply(cmd);
            Result rb = b.apply(decoded);
            assertThat(rb).as("step %d: %s", i, cmd).isEqualTo(ra);
            if (c != null) {
                assertThat(c.apply(cmd)).as("step %d (restored replica)", i).isEqualTo(ra);
            }
            byte[] encoded = StoreCodec.encode(ra);
            assertThat(StoreCodec.decodeResult(encoded, 0, encoded.length)).isEqualTo(ra);
            count(outcomes, cmd, ra);
            if (i % 1000 == 999) {
                assertThat(Cmd.snapshot(b)).as("state after step %d", i).isEqualTo(Cmd.snapshot(a));
            }
        }
        assertThat(Cmd.snapshot(b)).isEqualTo(Cmd.snapshot(a));
        assertThat(Cmd.snapshot(c)).isEqualTo(Cmd.snapshot(a));
        assertThat(b.get("/", true, true)).isEqualTo(a.get("/", true, true));
        assertThat(a.index()).isGreaterThan(3000);

        // the sequence exercised every path worth comparing
        assertThat(outcomes.keySet()).contains("set", "create", "update", "compareAndSwap", "delete",
                "compareAndDelete", "expire", "get", "txn ok", "txn failed",
                "error 100", "error 101", "error 102", "error 104", "error 105", "error 108", "error 212");
    }

    private static void count(TreeMap<String, Integer> outcomes, Command cmd, Result r) {
        if (cmd instanceof Command.Txn) {
            outcomes.merge(r instanceof Result.Batch ? "txn ok" : "txn failed", 1, Integer::sum);
        }
        if (r instanceof Result.Event e) {
            outcomes.merge(e.action(), 1, Integer::sum);
        } else if (r instanceof StoreError e) {
            outcomes.merge("error " + e.errorCode(), 1, Integer::sum);
        } else {
            for (Result.Event e : ((Result.Batch) r).events()) {
                outcomes.merge(e.action(), 1, Integer::sum);
            }
        }
    }
}
