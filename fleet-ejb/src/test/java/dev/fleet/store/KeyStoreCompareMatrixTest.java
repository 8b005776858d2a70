package dev.fleet.store;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static dev.fleet.store.Cmd.T;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Put / Delete dispatch matrix (set, create, update, compareAndSwap, delete,
 * compareAndDelete) against every kind of initial state. Each state is reached through two
 * writes, so the key under test (if present) has createdIndex = modifiedIndex = 2 and the
 * store index is 2 ({@code absent} leaves index 1).
 */
class KeyStoreCompareMatrixTest {

    enum State { ABSENT, FILE, DIR, FULL_DIR, PARENT_FILE }

    private static KeyStore prepare(State state) {
        KeyStore s = new KeyStore();
        s.apply(Cmd.set(T, "/other", "x"));
        switch (state) {
            case FILE -> s.apply(Cmd.set(T, "/k", "one"));
            case DIR -> s.apply(Cmd.mkdir(T, "/k"));
            case FULL_DIR -> s.apply(Cmd.set(T, "/k/child", "c"));
            case PARENT_FILE -> s.apply(Cmd.set(T, "/p", "f"));
            case ABSENT -> { }
        }
        return s;
    }

    private static Command.Put put(String key, String value, boolean dir, Long ttl, Boolean prevExist,
                                   String prevValue, Long prevIndex) {
        return new Command.Put(T + 1, key, value, dir, ttl, prevExist, prevValue, prevIndex, false);
    }

    private static Command.Delete delete(String key, boolean dir, boolean recursive, String prevValue, Long prevIndex) {
        return new Command.Delete(T + 1, key, dir, recursive, prevValue, prevIndex);
    }

    /** name, state, command, expected action (null if an error), expected code, expected cause. */
    static Stream<Arguments> rows() {
        return Stream.of(
                // plain set
                Arguments.of("set absent", State.ABSENT, put("/k", "v", false, null, null, null, null), "set", 0, null),
                Arguments.of("set file", State.FILE, put("/k", "v", false, null, null, null, null), "set", 0, null),
                Arguments.of("set dir", State.DIR, put("/k", "v", false, null, null, null, null), null, 102, "/k"),
                Arguments.of("set dir=true on dir", State.DIR, put("/k", null, true, null, null, null, null), null, 102, "/k"),
                Arguments.of("set dir=true over file", State.FILE, put("/k", null, true, null, null, null, null), "set", 0, null),
                Arguments.of("set under file", State.PARENT_FILE, put("/p/k", "v", false, null, null, null, null), null, 104, "/p"),
                // prevExist=false: create
                Arguments.of("create absent", State.ABSENT, put("/k", "v", false, null, false, null, null), "create", 0, null),
                Arguments.of("create dir absent", State.ABSENT, put("/k", null, true, null, false, null, null), "create", 0, null),
                Arguments.of("create file", State.FILE, put("/k", "v", false, null, false, null, null), null, 105, "/k"),
                Arguments.of("create dir", State.DIR, put("/k", "v", false, null, false, null, null), null, 105, "/k"),
                Arguments.of("create under file", State.PARENT_FILE, put("/p/k", "v", false, null, false, null, null), null, 104, "/p"),
                Arguments.of("create ignores prevValue", State.ABSENT, put("/k", "v", false, null, false, "zz", null), "create", 0, null),
                Arguments.of("create with prevValue, exists", State.FILE, put("/k", "v", false, null, false, "one", null), null, 105, "/k"),
                // prevExist=true: update
                Arguments.of("update absent", State.ABSENT, put("/k", "v", false, null, true, null, null), null, 100, "/k"),
                Arguments.of("update file", State.FILE, put("/k", "v", false, null, true, null, null), "update", 0, null),
                Arguments.of("update dir with value", State.DIR, put("/k", "v", false, null, true, null, null), null, 102, "/k"),
                Arguments.of("update dir ttl", State.DIR, put("/k", null, true, 30L, true, null, null), "update", 0, null),
                Arguments.of("update full dir ttl", State.FULL_DIR, put("/k", null, true, 30L, true, null, null), "update", 0, null),
                Arguments.of("update under file", State.PARENT_FILE, put("/p/k", "v", false, null, true, null, null), null, 104, "/p"),
                // compareAndSwap
                Arguments.of("cas value ok", State.FILE, put("/k", "v", false, null, null, "one", null), "compareAndSwap", 0, null),
                Arguments.of("cas value bad", State.FILE, put("/k", "v", false, null, null, "two", null), null, 101, "[two != one]"),
                Arguments.of("cas index ok", State.FILE, put("/k", "v", false, null, null, null, 2L), "compareAndSwap", 0, null),
                Arguments.of("cas index bad", State.FILE, put("/k", "v", false, null, null, null, 7L), null, 101, "[7 != 2]"),
                Arguments.of("cas both ok", State.FILE, put("/k", "v", false, null, null, "one", 2L), "compareAndSwap", 0, null),
                Arguments.of("cas both bad", State.FILE, put("/k", "v", false, null, null, "two", 7L), null, 101, "[two != one] [7 != 2]"),
                Arguments.of("cas value ok index bad", State.FILE, put("/k", "v", false, null, null, "one", 7L), null, 101, "[7 != 2]"),
                Arguments.of("cas value bad index ok", State.FILE, put("/k", "v", false, null, null, "two", 2L), null, 101, "[two != one]"),
                Arguments.of("cas empty prevValue compares", State.FILE, put("/k", "v", false, null, null, "", null), null, 101, "[ != one]"),
                Arguments.of("cas absent", State.ABSENT, put("/k", "v", false, null, null, "one", null), null, 100, "/k"),
                Arguments.of("cas dir", State.DIR, put("/k", "v", false, null, null, "one", null), null, 102, "/k"),
                Arguments.of("cas under file", State.PARENT_FILE, put("/p/k", "v", false, null, null, "one", null), null, 104, "/p"),
                Arguments.of("cas prevExist=true ok", State.FILE, put("/k", "v", false, null, true, "one", null), "compareAndSwap", 0, null),
                Arguments.of("cas prevExist=true bad", State.FILE, put("/k", "v", false, null, true, "x", null), null, 101, "[x != one]"),
                Arguments.of("cas prevExist=true absent", State.ABSENT, put("/k", "v", false, null, true, null, 1L), null, 100, "/k"),
                // root
                Arguments.of("set root", State.FILE, put("/", "v", false, null, null, null, null), null, 107, "/"),
                Arguments.of("create root", State.FILE, put("/", "v", false, null, false, null, null), null, 107, "/"),
                Arguments.of("update root", State.FILE, put("/", null, true, 5L, true, null, null), null, 107, "/"),
                Arguments.of("cas root", State.FILE, put("/", "v", false, null, null, "x", null), null, 107, "/"),
                // delete
                Arguments.of("delete absent", State.ABSENT, delete("/k", false, false, null, null), null, 100, "/k"),
                Arguments.of("delete file", State.FILE, delete("/k", false, false, null, null), "delete", 0, null),
                Arguments.of("delete file dir=true", State.FILE, delete("/k", true, false, null, null), "delete", 0, null),
                Arguments.of("delete empty dir", State.DIR, delete("/k", false, false, null, null), null, 102, "/k"),
                Arguments.of("delete empty dir dir=true", State.DIR, delete("/k", true, false, null, null), "delete", 0, null),
                Arguments.of("delete full dir dir=true", State.FULL_DIR, delete("/k", true, false, null, null), null, 108, "/k"),
                Arguments.of("delete full dir recursive", State.FULL_DIR, delete("/k", true, true, null, null), "delete", 0, null),
                Arguments.of("delete full dir recursive only", State.FULL_DIR, delete("/k", false, true, null, null), "delete", 0, null),
                Arguments.of("delete under file", State.PARENT_FILE, delete("/p/k", false, false, null, null), null, 104, "/p"),
                Arguments.of("delete root", State.FILE, delete("/", true, true, null, null), null, 107, "/"),
                // compareAndDelete
                Arguments.of("cad value ok", State.FILE, delete("/k", false, false, "one", null), "compareAndDelete", 0, null),
                Arguments.of("cad value bad", State.FILE, delete("/k", false, false, "two", null), null, 101, "[two != one]"),
                Arguments.of("cad index ok", State.FILE, delete("/k", false, false, null, 2L), "compareAndDelete", 0, null),
                Arguments.of("cad index bad", State.FILE, delete("/k", false, false, null, 9L), null, 101, "[9 != 2]"),
                Arguments.of("cad both bad", State.FILE, delete("/k", false, false, "two", 9L), null, 101, "[two != one] [9 != 2]"),
                Arguments.of("cad dir", State.DIR, delete("/k", true, true, "one", null), null, 102, "/k"),
                Arguments.of("cad absent", State.ABSENT, delete("/k", false, false, "one", null), null, 100, "/k"),
                Arguments.of("cad root", State.FILE, delete("/", false, false, "one", null), null, 107, "/")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matrix(String name, State state, Command command, String action, int code, String cause) {
        KeyStore store = prepare(state);
        long before = store.index();
        Result.Event prevView = store.get(keyOf(command), false, true) instanceof Result.Event e ? e : null;

        Result r = store.apply(command);

        if (action == null) {
            StoreError err = Cmd.error(r);
            assertThat(err.errorCode()).isEqualTo(code);
            assertThat(err.cause()).isEqualTo(cause);
            assertThat(err.message()).isEqualTo(KeyStore.message(code));
            assertThat(err.index()).isEqualTo(before);
            // a failed write changes nothing: tree, index, clock aside (time T+1) and history
            assertThat(store.index()).isEqualTo(before);
            KeyStore reference = prepare(state);
            reference.apply(Cmd.tick(T + 1));
            assertThat(Cmd.snapshot(store)).isEqualTo(Cmd.snapshot(reference));
            return;
        }
        Result.Event e = Cmd.event(r);
        long next = before + 1;
        assertThat(e.action()).isEqualTo(action);
        assertThat(e.index()).isEqualTo(next);
        assertThat(store.index()).isEqualTo(next);
        assertThat(e.node().key()).isEqualTo(keyOf(command));
        assertThat(e.node().modifiedIndex()).isEqualTo(next);
        switch (action) {
            case "set", "create" -> {
                assertThat(e.node().createdIndex()).isEqualTo(next);
                Command.Put p = (Command.Put) command;
                assertThat(e.node().dir()).isEqualTo(p.dir());
                assertThat(e.node().value()).isEqualTo(p.dir() ? null : p.value());
                assertThat(Cmd.event(store.get(p.key(), false, true)).node().modifiedIndex()).isEqualTo(next);
            }
            case "update", "compareAndSwap" -> {
                assertThat(e.node().createdIndex()).isEqualTo(2);
                NodeView now = Cmd.event(store.get(keyOf(command), false, true)).node();
                assertThat(now.modifiedIndex()).isEqualTo(next);
                assertThat(now.createdIndex()).isEqualTo(2);
                if (!now.dir()) {
                    assertThat(now.value()).isEqualTo("v");
                } else {
                    assertThat(now.expiration()).isEqualTo(T + 1 + 30_000);
                    assertThat(e.node().expiration()).isEqualTo(T + 1 + 30_000);
                }
            }
            case "delete", "compareAndDelete" -> {
                assertThat(e.node().value()).isNull();
                assertThat(e.node().createdIndex()).isEqualTo(2);
                assertThat(Cmd.error(store.get(keyOf(command), false, true)).errorCode()).isEqualTo(100);
            }
            default -> throw new AssertionError(action);
        }
        // prevNode: the node as it was, without children; absent for a create
        if (prevView == null || action.equals("create")) {
            assertThat(e.prevNode()).isNull();
        } else {
            NodeView p = prevView.node();
            assertThat(e.prevNode()).isEqualTo(new NodeView(p.key(), p.value(), p.dir(), null,
                    p.createdIndex(), p.modifiedIndex(), p.expiration()));
        }
    }

    private static String keyOf(Command c) {
        if (c instanceof Command.Put p) {
            return p.key();
        }
        return ((Command.Delete) c).key();
    }
}
