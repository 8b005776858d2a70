package dev.fleet.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.fleet.store.Cmd.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Directories, listing, hidden nodes, in-order keys, key validation. */
class KeyStoreTreeTest {

    private final KeyStore store = new KeyStore();

    private static List<String> keys(NodeView dir) {
        return dir.nodes().stream().map(NodeView::key).toList();
    }

    @Test
    void emptyStoreHasAnEmptyRootAndIndexZero() {
        Result.Event root = Cmd.event(store.get("/", false, true));
        assertThat(root.action()).isEqualTo("get");
        assertThat(root.node()).isEqualTo(new NodeView("/", null, true, List.of(), 0, 0, null));
        assertThat(root.index()).isZero();
        assertThat(store.index()).isZero();
        assertThat(store.clock()).isZero();
        assertThat(store.nextExpiration()).isEmpty();
    }

    @Test
    void setCreatesMissingParentsWithTheSameIndex() {
        Result.Event e = Cmd.event(store.apply(Cmd.set(T, "/a/b/c", "v")));
        assertThat(e.index()).isEqualTo(1);
        NodeView a = Cmd.event(store.get("/a", false, true)).node();
        assertThat(a.dir()).isTrue();
        assertThat(a.createdIndex()).isEqualTo(1);
        assertThat(a.modifiedIndex()).isEqualTo(1);
        assertThat(keys(a)).containsExactly("/a/b");
        assertThat(a.nodes().get(0).nodes()).as("child dirs not listed without recursive").isNull();
        assertThat(Cmd.event(store.get("/a/b/c", false, true)).node())
                .isEqualTo(new NodeView("/a/b/c", "v", false, null, 1, 1, null));
    }

    @Test
    void listingIsSortedByNameAndSkipsHiddenChildren() {
        for (String k : List.of("/d/zeta", "/d/alpha", "/d/_hidden", "/d/mid/x", "/d/Beta")) {
            store.apply(Cmd.set(T, k, "v"));
        }
        NodeView d = Cmd.event(store.get("/d", false, true)).node();
        assertThat(keys(d)).containsExactly("/d/Beta", "/d/alpha", "/d/mid", "/d/zeta");
        assertThat(d.nodes().get(2).dir()).isTrue();
        assertThat(d.nodes().get(2).nodes()).isNull();
        // a hidden node is still readable directly
        assertThat(Cmd.valueOf(store, "/d/_hidden")).isEqualTo("v");
    }

    @Test
    void recursiveGetListsTheWholeSubtreeWithoutHiddenNodes() {
        store.apply(Cmd.set(T, "/r/a/x", "1"));
        store.apply(Cmd.set(T, "/r/a/_y", "2"));
        store.apply(Cmd.set(T, "/r/_h/z", "3"));
        store.apply(Cmd.mkdir(T, "/r/empty"));
        NodeView r = Cmd.event(store.get("/r", true, true)).node();
        assertThat(r).isEqualTo(new NodeView("/r", null, true, List.of(
                new NodeView("/r/a", null, true, List.of(new NodeView("/r/a/x", "1", false, null, 1, 1, null)), 1, 1, null),
                new NodeView("/r/empty", null, true, List.of(), 4, 4, null)), 1, 1, null));
        Result.Event viaLog = Cmd.event(store.apply(new Command.QuorumGet(T, "/r", true, true)));
        assertThat(viaLog).isEqualTo(store.get("/r", true, true));
    }

    @Test
    void getOfAMissingKeyNamesTheFirstMissingSegment() {
        store.apply(Cmd.set(T, "/a/b", "v"));
        StoreError e = Cmd.error(store.get("/a/x/y/z", false, true));
        assertThat(e.errorCode()).isEqualTo(100);
        assertThat(e.message()).isEqualTo("Key not found");
        assertThat(e.cause()).isEqualTo("/a/x");
        assertThat(e.index()).isEqualTo(1);
        StoreError below = Cmd.error(store.get("/a/b/c", false, true));
        assertThat(below.errorCode()).isEqualTo(104);
        assertThat(below.message()).isEqualTo("Not a directory");
        assertThat(below.cause()).isEqualTo("/a/b");
    }

    @Test
    void recursiveDeleteRemovesTheSubtreeAndItsTtls() {
        store.apply(Cmd.setTtl(T, "/d/a/x", "1", 10));
        store.apply(Cmd.set(T, "/d/b", "2"));
        store.apply(Cmd.set(T, "/keep", "3"));
        assertThat(store.nextExpiration()).hasValue(T + 10_000);
        Result.Event e = Cmd.event(store.apply(Cmd.rmrf(T, "/d")));
        assertThat(e.node()).isEqualTo(new NodeView("/d", null, true, null, 1, 4, null));
        assertThat(e.prevNode()).isEqualTo(new NodeView("/d", null, true, null, 1, 1, null));
        assertThat(Cmd.error(store.get("/d/a/x", false, true)).cause()).isEqualTo("/d");
        assertThat(store.nextExpiration()).isEmpty();
        // nothing expires later from the deleted subtree
        assertThat(Cmd.batch(store.apply(Cmd.tick(T + 20_000))).events()).isEmpty();
        assertThat(keys(Cmd.event(store.get("/", false, true)).node())).containsExactly("/keep");
    }

    @Test
    void deletingTheLastChildLeavesTheDirectory() {
        store.apply(Cmd.set(T, "/d/x", "1"));
        store.apply(Cmd.del(T, "/d/x"));
        NodeView d = Cmd.event(store.get("/d", false, true)).node();
        assertThat(d.nodes()).isEmpty();
        assertThat(Cmd.event(store.apply(Cmd.rmdir(T, "/d"))).action()).isEqualTo("delete");
    }

    @Test
    void setWithDirOverAFileReplacesIt() {
        store.apply(Cmd.set(T, "/f", "v"));
        Result.Event e = Cmd.event(store.apply(Cmd.mkdir(T, "/f")));
        assertThat(e.prevNode().value()).isEqualTo("v");
        assertThat(e.node()).isEqualTo(new NodeView("/f", null, true, null, 2, 2, null));
        assertThat(Cmd.event(store.apply(Cmd.set(T, "/f/x", "1"))).node().key()).isEqualTo("/f/x");
    }

    @Test
    void nullValueMeansEmptyValue() {
        Result.Event e = Cmd.event(store.apply(Cmd.set(T, "/k", null)));
        assertThat(e.node().value()).isEmpty();
        assertThat(Cmd.event(store.apply(Cmd.update(T, "/k", null))).node().value()).isEmpty();
    }

    @Test
    void dirIgnoresAValue() {
        Result.Event e = Cmd.event(store.apply(new Command.Put(T, "/d", "ignored", true, null, null, null, null, false)));
        assertThat(e.node().dir()).isTrue();
        assertThat(e.node().value()).isNull();
    }

    // ---- in-order keys

    @Test
    void postCreatesKeysNamedAfterTheirIndexInOrder() {
        store.apply(Cmd.set(T, "/unrelated", "x"));
        Result.Event first = Cmd.event(store.apply(Cmd.post(T, "/queue", "a")));
        Result.Event second = Cmd.event(store.apply(Cmd.post(T, "/queue", "b")));
        store.apply(Cmd.set(T, "/unrelated", "y"));
        Result.Event third = Cmd.event(store.apply(Cmd.post(T, "/queue", "c")));
        assertThat(first.action()).isEqualTo("create");
        assertThat(first.node().key()).isEqualTo("/queue/00000000000000000002");
        assertThat(second.node().key()).isEqualTo("/queue/00000000000000000003");
        assertThat(third.node().key()).isEqualTo("/queue/00000000000000000005");
        assertThat(third.node().createdIndex()).isEqualTo(5);
        NodeView q = Cmd.event(store.get("/queue", true, true)).node();
        assertThat(q.createdIndex()).as("the dir was created by the first post").isEqualTo(2);
        assertThat(q.nodes()).extracting(NodeView::value).containsExactly("a", "b", "c");
    }

    @Test
    void postAtTheRootAndWithTtl() {
        Result.Event e = Cmd.event(store.apply(new Command.Post(T, "/", "v", 2L)));
        assertThat(e.node().key()).isEqualTo("/00000000000000000001");
        assertThat(e.node().expiration()).isEqualTo(T + 2000);
        assertThat(Cmd.batch(store.apply(Cmd.tick(T + 2000))).events()).extracting(Result.Event::action)
                .containsExactly("expire");
    }

    @Test
    void postUnderAFileFails() {
        store.apply(Cmd.set(T, "/f", "v"));
        StoreError e = Cmd.error(store.apply(Cmd.post(T, "/f", "x")));
        assertThat(e.errorCode()).isEqualTo(104);
        assertThat(e.cause()).isEqualTo("/f");
        assertThat(store.index()).isEqualTo(1);
    }

    @Test
    void inOrderNamesAreTwentyDigits() {
        assertThat(KeyStore.inOrderName(7)).isEqualTo("00000000000000000007");
        assertThat(KeyStore.inOrderName(Long.MAX_VALUE)).isEqualTo("09223372036854775807");
    }

    // ---- validation

    @ParameterizedTest
    @ValueSource(strings = {"a", "/a/", "//a", "/a//b", "/a/./b", "/a/../b", "", "/a\nb"})
    void nonCanonicalKeysAreRejectedWithoutAnyChange(String key) {
        store.apply(Cmd.set(T, "/x", "1"));
        byte[] before = Cmd.snapshot(store);
        assertThatThrownBy(() -> store.apply(Cmd.set(T + 99, key, "v"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.apply(Cmd.txn(T + 99, List.of(), Cmd.set(T, "/ok", "v"), Cmd.del(T, key))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.get(key, false, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.watch(key, false, 0, r -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThat(Cmd.snapshot(store)).as("not even the clock moved").isEqualTo(before);
    }

    @Test
    void validateIsAvailableToSubmitters() {
        KeyStore.validate(Cmd.txn(T, List.of(Cmd.cond("/a", true, null, null)), Cmd.set(T, "/a/b", "v")));
        assertThatThrownBy(() -> KeyStore.validate(Cmd.txn(T, List.of(Cmd.cond("a/", true, null, null)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("canonical");
        assertThatThrownBy(() -> KeyStore.validate(new Command.Post(T, "/q", "v", -3L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
    }

    @Test
    void negativeTtlAndOverlongPostDirAreRejected() {
        assertThatThrownBy(() -> store.apply(Cmd.setTtl(T, "/k", "v", -1))).isInstanceOf(IllegalArgumentException.class);
        String longDir = "/" + "d".repeat(4080);
        assertThatThrownBy(() -> store.apply(Cmd.post(T, longDir, "v"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.index()).isZero();
        assertThat(store.clock()).isZero();
    }

    @Test
    void aDeepTreeWorksUpToTheKeyLengthLimit() {
        String deep = "/a".repeat(2048); // 4096 chars, 2048 levels
        store.apply(Cmd.set(T, deep, "bottom"));
        assertThat(Cmd.valueOf(store, deep)).isEqualTo("bottom");
        NodeView all = Cmd.event(store.get("/", true, true)).node();
        int depth = 0;
        for (NodeView n = all; n.nodes() != null && !n.nodes().isEmpty(); n = n.nodes().get(0)) {
            depth++;
        }
        assertThat(depth).isEqualTo(2048);
        // codec and snapshot handle the depth (compared as bytes: record equals() recurses)
        byte[] encoded = StoreCodec.encode(store.get("/", true, true));
        assertThat(StoreCodec.encode(StoreCodec.decodeResult(encoded, 0, encoded.length))).isEqualTo(encoded);
        byte[] snap = Cmd.snapshot(store);
        KeyStore restored = new KeyStore();
        try {
            restored.readFrom(new java.io.DataInputStream(new java.io.ByteArrayInputStream(snap)));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(Cmd.snapshot(restored)).isEqualTo(snap);
        assertThat(Cmd.event(store.apply(Cmd.rmrf(T, "/a"))).index()).isEqualTo(2);
        assertThat(Cmd.event(store.get("/", true, true)).node().nodes()).isEmpty();
    }

    @Test
    void hugeTtlSaturatesInsteadOfWrapping() {
        Result.Event e = Cmd.event(store.apply(Cmd.setTtl(T, "/k", "v", Long.MAX_VALUE)));
        assertThat(e.node().expiration()).isEqualTo(Long.MAX_VALUE);
        assertThat(Cmd.batch(store.apply(Cmd.tick(T + 1_000_000_000L))).events()).isEmpty();
    }
}
