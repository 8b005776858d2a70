package dev.fleet.store;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A group applies each command as if submitted alone: one failing command changes nothing for the others. */
class KeyStoreGroupTest {
    static final long T = 1_000_000;

    @Test
    void eachCommandOfAGroupAppliesOnItsOwnInOrder() {
        KeyStore s = new KeyStore();
        s.apply(Cmd.set(T, "/a", "1"));
        Result r = s.apply(new Command.Group(T, List.of(
                Cmd.set(T, "/b", "2"),
                new Command.Put(T, "/a", "x", false, null, false, null, null, false), // create of an existing key
                new Command.Txn(T, List.of(new Command.Condition("/b", true, "2", null)), List.of(Cmd.set(T, "/c", "3"))),
                new Command.QuorumGet(T, "/c", false, false))));
        Result.Group g = (Result.Group) r;
        assertThat(g.results()).hasSize(4);
        assertThat(g.results().get(0)).isInstanceOf(Result.Event.class);
        assertThat(((StoreError) g.results().get(1)).errorCode()).isEqualTo(StoreError.NODE_EXIST);
        assertThat(g.results().get(2)).isInstanceOf(Result.Batch.class);
        assertThat(((Result.Event) g.results().get(3)).node().value()).isEqualTo("3");
        assertThat(((Result.Event) s.get("/a", false, false)).node().value()).isEqualTo("1");
        assertThat(g.index()).isEqualTo(s.index());
    }

    @Test
    void aGroupAppliesLikeTheSameCommandsOneByOne() {
        List<Command> commands = List.of(Cmd.set(T, "/x", "1"), Cmd.post(T, "/q", "a"), Cmd.set(T + 5, "/x", "2"),
                new Command.Delete(T, "/missing", false, false, null, null), Cmd.post(T, "/q", "b"));
        KeyStore grouped = new KeyStore();
        KeyStore single = new KeyStore();
        grouped.apply(new Command.Group(T, commands));
        commands.forEach(single::apply);
        assertThat(grouped.get("/", true, true)).isEqualTo(single.get("/", true, true));
        assertThat(grouped.index()).isEqualTo(single.index());
    }
}
