package dev.fleet.store;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Applying a committed entry is total: what cannot be applied becomes error 300, the same on every replica. */
class KeyStoreApplyEntryTest {
    static final long T = 1_000_000;
    private final List<String> failures = new ArrayList<>();
    private final KeyStore.ApplyFailureListener record = (command, why) -> failures.add(command + " " + why.getMessage());

    private static byte[] bytes(KeyStore s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(out));
        return out.toByteArray();
    }

    @Test
    void anEntryThatDoesNotDecodeIsError300AndChangesNothing() throws IOException {
        KeyStore s = new KeyStore();
        s.apply(Cmd.set(T, "/a", "1"));
        byte[] before = bytes(s);
        Result r = s.applyEntry(new byte[] {1, 99}, 0, 2, record);
        assertThat(r).isEqualTo(new StoreError(300, "Raft Internal Error",
                "the log entry does not decode: malformed command: unknown command tag 99", 1));
        assertThat(bytes(s)).isEqualTo(before);
        assertThat(failures).hasSize(1);
    }

    @Test
    void aCommandThatThrowsIsError300TheSameOnTwoReplicasAndTheNextEntryApplies() throws IOException {
        byte[] bad = StoreCodec.encode(Cmd.set(T, "/a/../b", "x"));
        byte[] good = StoreCodec.encode(Cmd.set(T, "/b", "2"));
        KeyStore one = new KeyStore();
        KeyStore two = new KeyStore();
        for (KeyStore s : List.of(one, two)) {
            Result r = s.applyEntry(bad, 0, bad.length, record);
            assertThat(((StoreError) r).errorCode()).isEqualTo(StoreError.RAFT_INTERNAL);
            assertThat(((StoreError) r).cause()).contains("IllegalArgumentException");
            assertThat(s.applyEntry(good, 0, good.length, record)).isInstanceOf(Result.Event.class);
        }
        assertThat(bytes(one)).isEqualTo(bytes(two));
        assertThat(one.index()).isEqualTo(1);
        assertThat(failures).hasSize(2);
    }

    @Test
    void inAGroupOnlyTheCommandThatThrowsFails() {
        KeyStore s = new KeyStore();
        byte[] group = StoreCodec.encodeGroup(T, List.of(StoreCodec.encode(Cmd.set(T, "/x", "1")),
                StoreCodec.encode(new Command.Post(T, "/q", "v", -5L)), StoreCodec.encode(Cmd.set(T, "/y", "2"))));
        Result.Group g = (Result.Group) s.applyEntry(group, 0, group.length, record);
        assertThat(g.results()).hasSize(3);
        assertThat(g.results().get(0)).isInstanceOf(Result.Event.class);
        assertThat(((StoreError) g.results().get(1)).cause()).contains("ttl must be >= 0");
        assertThat(g.results().get(2)).isInstanceOf(Result.Event.class);
        assertThat(g.index()).isEqualTo(2);
        assertThat(failures).hasSize(1);
    }
}
