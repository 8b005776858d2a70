package dev.fleet.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.fleet.store.Cmd.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreCodecTest {

    static List<Command> commands() {
        List<Command> all = new ArrayList<>();
        for (Boolean prevExist : new Boolean[] {null, true, false}) {
            for (boolean flag : new boolean[] {false, true}) {
                all.add(new Command.Put(T, "/k", "v", flag, null, prevExist, null, null, !flag));
                all.add(new Command.Put(-5, "/k/ü", null, flag, 0L, prevExist, "", 0L, flag));
                all.add(new Command.Put(Long.MAX_VALUE, null, "x\u0000y", flag, Long.MAX_VALUE, prevExist, "pv",
                        Long.MIN_VALUE, flag));
            }
        }
        all.add(new Command.Post(T, "/q", "v", null));
        all.add(new Command.Post(Long.MIN_VALUE, "/", null, 12L));
        all.add(new Command.Delete(T, "/d", true, true, null, null));
        all.add(new Command.Delete(T, "/d", false, true, "pv", 3L));
        all.add(new Command.Delete(T, "/d", true, false, "", null));
        all.add(new Command.QuorumGet(T, "/", true, false));
        all.add(new Command.QuorumGet(0, "/x", false, true));
        all.add(new Command.Tick(T));
        all.add(new Command.Tick(-1));
        all.add(new Command.Txn(T, List.of(), List.of()));
        all.add(new Command.Txn(T + 1,
                List.of(new Command.Condition("/a", null, null, null), new Command.Condition("/b", true, "v", 7L),
                        new Command.Condition("/c", false, null, 0L), new Command.Condition(null, null, "", null)),
                List.of(Cmd.set(T, "/a", "1"), Cmd.post(T, "/q", "2"), Cmd.rmrf(T, "/d"),
                        new Command.Put(T, "/z", null, true, 5L, true, "x", 9L, true))));
        all.add(new Command.Group(T, List.of()));
        all.add(new Command.Group(T + 2, List.of(Cmd.set(T, "/a", "1"), new Command.QuorumGet(T, "/", true, true),
                new Command.Txn(T, List.of(new Command.Condition("/a", true, null, null)), List.of(Cmd.rmrf(T, "/d"))))));
        return all;
    }

    static List<Result> results() {
        NodeView leaf = new NodeView("/d/x", "v", false, null, 3, 4, null);
        NodeView ttlLeaf = new NodeView("/d/y", "", false, null, 5, 5, T + 1000);
        NodeView dir = new NodeView("/d", null, true, List.of(leaf, ttlLeaf,
                new NodeView("/d/e", null, true, List.of(), 6, 6, null)), 1, 1, T);
        List<Result> all = new ArrayList<>();
        all.add(new Result.Event("get", dir, null, 9));
        all.add(new Result.Event("set", leaf, ttlLeaf, 4));
        all.add(new Result.Event("delete", new NodeView("/d", null, true, null, 1, 10, null),
                new NodeView("/d", null, true, null, 1, 1, null), 10));
        all.add(new Result.Event(null, null, null, 0));
        all.add(new Result.Event("weird", new NodeView(null, null, false, null, -1, Long.MIN_VALUE, Long.MAX_VALUE), null, -3));
        all.add(new Result.Batch(List.of(), 0));
        all.add(new Result.Batch(List.of(new Result.Event("expire", leaf, leaf, 11), new Result.Event("create", ttlLeaf, null, 12)), 12));
        all.add(new StoreError(100, "Key not found", "/a", 5));
        all.add(new StoreError(401, null, null, Long.MAX_VALUE));
        all.add(new StoreError(-1, "", "\uD800", 0));
        all.add(new Result.Group(List.of(), 3));
        all.add(new Result.Group(List.of(new Result.Event("set", leaf, null, 4), new StoreError(101, "Compare failed", "x", 4),
                new Result.Batch(List.of(), 5)), 5));
        return all;
    }

    @Test
    void everyCommandRoundTrips() {
        for (Command c : commands()) {
            byte[] b = StoreCodec.encode(c);
            assertThat(b[0]).isEqualTo((byte) StoreCodec.VERSION);
            assertThat(StoreCodec.decodeCommand(b, 0, b.length)).as("%s", c).isEqualTo(c);
        }
    }

    @Test
    void everyResultRoundTrips() {
        for (Result r : results()) {
            byte[] b = StoreCodec.encode(r);
            assertThat(StoreCodec.decodeResult(b, 0, b.length)).as("%s", r).isEqualTo(r);
        }
    }

    @Test
    void decodingHonoursOffsetAndLength() {
        byte[] b = StoreCodec.encode(Cmd.set(T, "/k", "v"));
        byte[] framed = new byte[b.length + 10];
        Arrays.fill(framed, (byte) 0x7f);
        System.arraycopy(b, 0, framed, 3, b.length);
        assertThat(StoreCodec.decodeCommand(framed, 3, b.length)).isEqualTo(Cmd.set(T, "/k", "v"));
        assertThatThrownBy(() -> StoreCodec.decodeCommand(framed, 3, b.length + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> StoreCodec.decodeCommand(framed, 5, framed.length))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void theEncodingIsCompact() {
        // version, tag, 6-byte time, key, value, flags, null prevValue
        assertThat(StoreCodec.encode(Cmd.set(T, "/k", "v"))).hasSizeLessThanOrEqualTo(16);
        assertThat(StoreCodec.encode(Cmd.tick(T))).hasSizeLessThanOrEqualTo(9);
    }

    @Test
    void everyTruncationIsRejected() {
        List<byte[]> encodings = new ArrayList<>();
        commands().forEach(c -> encodings.add(StoreCodec.encode(c)));
        for (byte[] b : encodings) {
            for (int len = 0; len < b.length; len++) {
                int l = len;
                assertThatThrownBy(() -> StoreCodec.decodeCommand(b, 0, l)).isInstanceOf(IllegalArgumentException.class);
            }
        }
        for (Result r : results()) {
            byte[] b = StoreCodec.encode(r);
            for (int len = 0; len < b.length; len++) {
                int l = len;
                assertThatThrownBy(() -> StoreCodec.decodeResult(b, 0, l)).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void wrongVersionAndUnknownTagsAreRejected() {
        byte[] b = StoreCodec.encode(Cmd.tick(T));
        b[0] = 2;
        assertThatThrownBy(() -> StoreCodec.decodeCommand(b, 0, b.length)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
        assertThatThrownBy(() -> StoreCodec.decodeCommand(new byte[] {1, 42}, 0, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoreCodec.decodeResult(new byte[] {1, 0}, 0, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hugeClaimedLengthsFailFastWithoutAllocating() {
        // Put: version, tag, time 0, then a key length of 2^50 bytes
        byte[] hugeString = {1, 1, 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04};
        assertThatThrownBy(() -> StoreCodec.decodeCommand(hugeString, 0, hugeString.length))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length");
        // Batch: version, tag, index 0, then 2^31 events
        byte[] hugeList = {2 - 1, 2, 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10};
        assertThatThrownBy(() -> StoreCodec.decodeResult(hugeList, 0, hugeList.length))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count");
        // a varint that never ends
        byte[] endless = new byte[64];
        Arrays.fill(endless, (byte) 0xff);
        endless[0] = 1;
        endless[1] = 5;
        assertThatThrownBy(() -> StoreCodec.decodeCommand(endless, 0, endless.length)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nestingIsBounded() {
        NodeView v = new NodeView("/leaf", "v", false, null, 1, 1, null);
        for (int i = 0; i < StoreCodec.MAX_VIEW_DEPTH + 5; i++) {
            v = new NodeView("/d", null, true, List.of(v), 1, 1, null);
        }
        byte[] b = StoreCodec.encode(new Result.Event("get", v, null, 1));
        assertThatThrownBy(() -> StoreCodec.decodeResult(b, 0, b.length))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deeper");
    }

    @Test
    void aTxnInsideATxnIsRejected() {
        byte[] inner = StoreCodec.encode(new Command.Txn(T, List.of(), List.of()));
        // version, TXN tag, time, 0 conditions, 1 operation = the inner txn without its version byte
        byte[] head = {1, 6, 0, 0, 2};
        byte[] b = Arrays.copyOf(head, head.length + inner.length - 1);
        System.arraycopy(inner, 1, b, head.length, inner.length - 1);
        assertThatThrownBy(() -> StoreCodec.decodeCommand(b, 0, b.length)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transaction");
    }

    @Test
    void randomGarbageAndMutationsOnlyEverGiveIllegalArgumentException() {
        Random rnd = new Random(42);
        List<byte[]> valid = new ArrayList<>();
        commands().forEach(c -> valid.add(StoreCodec.encode(c)));
        results().forEach(r -> valid.add(StoreCodec.encode(r)));
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[rnd.nextInt(48)];
                rnd.nextBytes(b);
                if (b.length > 0 && rnd.nextBoolean()) {
                    b[0] = (byte) StoreCodec.VERSION;
                }
            } else {
                b = valid.get(rnd.nextInt(valid.size())).clone();
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
            }
            for (boolean asCommand : new boolean[] {true, false}) {
                try {
                    Object o = asCommand ? StoreCodec.decodeCommand(b, 0, b.length) : StoreCodec.decodeResult(b, 0, b.length);
                    assertThat(o).isNotNull();
                    decoded++;
                } catch (IllegalArgumentException expected) {
                    rejected++;
                }
            }
        }
        assertThat(rejected).isGreaterThan(1000);
        assertThat(decoded).as("mutations inside strings still decode").isGreaterThan(100);
    }

    @Test
    void groupsDoNotNest() {
        Command inner = new Command.Group(T, List.of(Cmd.set(T, "/a", "1")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Command.Group(T, List.of(inner)))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Command.Group(T, List.of(new Command.Tick(T))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aGroupBuiltFromEncodedCommandsIsTheGroupsOwnEncoding() {
        List<Command> members = List.of(Cmd.set(T, "/a", "1"), new Command.QuorumGet(T, "/", true, true),
                new Command.Txn(T, List.of(new Command.Condition("/a", true, null, null)), List.of(Cmd.rmrf(T, "/d"))));
        List<byte[]> encoded = members.stream().map(StoreCodec::encode).toList();
        assertThat(StoreCodec.encodeGroup(T + 2, encoded)).isEqualTo(StoreCodec.encode(new Command.Group(T + 2, members)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StoreCodec.encodeGroup(T, List.of(StoreCodec.encode(new Command.Tick(T)))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
