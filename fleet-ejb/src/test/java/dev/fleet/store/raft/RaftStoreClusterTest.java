package dev.fleet.store.raft;

import dev.fleet.store.Command;
import dev.fleet.store.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three real JGroups-RAFT members in one JVM, each with its own fsync'd file log in a temp dir: replication
 * through any member, log compaction by snapshot, catch-up of a lagging member from a snapshot, and
 * recovery of the whole cluster from disk.
 */
class RaftStoreClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<RaftStore> running = new ArrayList<>();
    private Map<String, InetSocketAddress> members;

    @AfterEach
    void closeAll() {
        running.forEach(RaftStore::close);
    }

    private RaftStore start(String name, long maxLogSize) throws Exception {
        RaftStore s = new RaftStore(new RaftConfig(name, "127.0.0.1", members.get(name).getPort(), members,
                dir.resolve(name), maxLogSize, 1000, 500), Executors.newSingleThreadExecutor());
        s.start();
        running.add(s);
        return s;
    }

    private List<RaftStore> startCluster(long maxLogSize) throws Exception {
        members = new LinkedHashMap<>();
        for (String n : List.of("a", "b", "c")) {
            members.put(n, InetSocketAddress.createUnresolved("127.0.0.1", freePortPair()));
        }
        List<RaftStore> out = new ArrayList<>();
        for (String n : members.keySet()) {
            out.add(start(n, maxLogSize));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> out.stream().allMatch(s -> s.leaderName() != null));
        return out;
    }

    private static int freePortPair() throws IOException {
        while (true) {
            int p;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                p = s.getLocalPort();
            }
            if (p + 100 > 65535) {
                continue;
            }
            try (ServerSocket s = new ServerSocket(p + 100, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException busy) {
                // try another
            }
        }
    }

    private static RaftStore follower(List<RaftStore> stores) {
        return stores.stream().filter(s -> !s.isLeader()).findFirst().orElseThrow();
    }

    private static String value(RaftStore s, String key) {
        Result r = s.read(key, false, false);
        return r instanceof Result.Event e ? e.node().value() : null;
    }

    @Test
    void aWriteThroughAFollowerIsAppliedOnEveryMemberWithTheFsyncedLog() throws Exception {
        List<RaftStore> stores = startCluster(10_000);
        RaftStore f = follower(stores);
        Result r = f.submit(Command.Put.set(System.currentTimeMillis(), "/greeting", "hello"), TIMEOUT);
        assertThat(r).isInstanceOf(Result.Event.class);
        assertThat(((Result.Event) r).action()).isEqualTo("set");
        for (RaftStore s : stores) {
            s.whenApplied(r.index()).get();
            assertThat(value(s, "/greeting")).as(s.name()).isEqualTo("hello");
            assertThat(s.logSyncs()).isTrue();
        }
    }

    @Test
    void concurrentWritesShareLogEntriesAndEachGetsItsOwnResult() throws Exception {
        List<RaftStore> stores = startCluster(100_000);
        RaftStore f = follower(stores);
        long entriesBefore = f.commitIndex();
        int writers = 64;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            List<java.util.concurrent.Future<Result>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String key = "/group/k" + i;
                results.add(pool.submit(() -> f.submit(new Command.Put(System.currentTimeMillis(), key, "v", false, null,
                        false, null, null, false), TIMEOUT)));
            }
            for (var r : results) {
                assertThat(r.get()).isInstanceOf(Result.Event.class);
            }
            // one more create of an existing key fails alone
            assertThat(f.submit(new Command.Put(System.currentTimeMillis(), "/group/k0", "w", false, null, false, null, null, false), TIMEOUT))
                    .isInstanceOf(dev.fleet.store.StoreError.class);
        } finally {
            pool.shutdownNow();
        }
        long entries = f.commitIndex() - entriesBefore;
        System.out.println("64 concurrent writes + 1 took " + entries + " log entries");
        assertThat(entries).isLessThan(writers);
        for (int i = 0; i < writers; i++) {
            assertThat(value(f, "/group/k" + i)).isEqualTo("v");
        }
    }

    @Test
    void aMemberThatFellBehindCatchesUpFromASnapshot() throws Exception {
        List<RaftStore> stores = startCluster(50);
        RaftStore lagging = follower(stores);
        String name = lagging.name();
        lagging.close();
        running.remove(lagging);
        RaftStore writer = stores.stream().filter(s -> s != lagging).findFirst().orElseThrow();
        long last = 0;
        for (int i = 0; i < 300; i++) {
            last = writer.submit(Command.Put.set(System.currentTimeMillis(), "/k/" + (i % 20), "v" + i), TIMEOUT).index();
        }
        // the leader compacted its log: the first 300 entries are no longer all there
        RaftStore leader = stores.stream().filter(RaftStore::isLeader).findFirst().orElseThrow();
        assertThat(leader.firstLogIndex()).isGreaterThan(50);

        RaftStore back = start(name, 50);
        back.whenApplied(last).get(30, java.util.concurrent.TimeUnit.SECONDS);
        for (int k = 0; k < 20; k++) {
            assertThat(value(back, "/k/" + k)).isEqualTo(value(leader, "/k/" + k));
        }
        try (var files = java.nio.file.Files.walk(dir.resolve(name))) {
            assertThat(files.map(p -> p.getFileName().toString())).as("the snapshot installed from the leader")
                    .contains("snapshot");
        }
        assertThat(back.read("/", true, true)).isEqualTo(leader.read("/", true, true));
    }

    @Test
    void aFormerLeaderRestartedFromItsDataDirCatchesUpWithTheNewLeader() throws Exception {
        List<RaftStore> stores = startCluster(10_000);
        for (int i = 0; i < 5; i++) {
            stores.get(0).submit(Command.Put.set(System.currentTimeMillis(), "/before/" + i, "v"), TIMEOUT);
        }
        RaftStore oldLeader = stores.stream().filter(RaftStore::isLeader).findFirst().orElseThrow();
        String name = oldLeader.name();
        oldLeader.close();
        running.remove(oldLeader);
        RaftStore writer = stores.stream().filter(s -> s != oldLeader).findFirst().orElseThrow();
        long last = 0;
        for (int i = 0; i < 5; i++) {
            last = writer.submit(Command.Put.set(System.currentTimeMillis(), "/while-down/" + i, "v" + i), TIMEOUT).index();
        }
        RaftStore back = start(name, 10_000);
        back.whenApplied(last).get(30, java.util.concurrent.TimeUnit.SECONDS);
        long more = writer.submit(Command.Put.set(System.currentTimeMillis(), "/after-return", "x"), TIMEOUT).index();
        back.whenApplied(more).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(value(back, "/after-return")).isEqualTo("x");
    }

    @Test
    void theWholeClusterRecoversItsStateFromDisk() throws Exception {
        List<RaftStore> stores = startCluster(40);
        RaftStore any = stores.get(0);
        long last = 0;
        for (int i = 0; i < 100; i++) {
            last = any.submit(Command.Put.set(System.currentTimeMillis(), "/durable/" + i, "v" + i), TIMEOUT).index();
        }
        Result before = any.read("/durable", true, true);
        closeAll();
        running.clear();
        List<RaftStore> again = new ArrayList<>();
        for (String n : members.keySet()) {
            again.add(start(n, 40));
        }
        for (RaftStore s : again) {
            s.whenApplied(last).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(s.read("/durable", true, true)).as(s.name()).isEqualTo(before);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> again.stream().anyMatch(RaftStore::isLeader));
        Result after = again.get(1).submit(Command.Put.set(System.currentTimeMillis(), "/durable/new", "x"), TIMEOUT);
        assertThat(after.index()).isEqualTo(last + 1);
    }

    private static RaftStore leader(List<RaftStore> stores) {
        return stores.stream().filter(RaftStore::isLeader).findFirst().orElseThrow();
    }

    /** Stops a member and starts it again from its data dir (its own log and snapshot). */
    private RaftStore restart(RaftStore member, long maxLogSize) throws Exception {
        member.close();
        running.remove(member);
        return start(member.name(), maxLogSize);
    }

    private static void assertSameReplica(RaftStore replica, RaftStore reference) throws Exception {
        assertThat(replica.appliedIndex()).as(replica.name() + " applied index").isEqualTo(reference.appliedIndex());
        assertThat(replica.index()).as(replica.name() + " store index").isEqualTo(reference.index());
        assertThat(replica.contentBytes()).as(replica.name() + " content (snapshot bytes)").isEqualTo(reference.contentBytes());
        assertThat(replica.applyFailures()).as(replica.name() + " entries it could not apply").isEqualTo(reference.applyFailures());
        // what an operator compares (GET /fleet/admin/v1/store): the fingerprint of those same bytes
        assertThat(replica.digest()).as(replica.name() + " digest").isEqualTo(reference.digest());
        assertThat(replica.digest().sha256()).isEqualTo(sha256(replica.contentBytes()));
        assertThat(replica.digest().bytes()).isEqualTo(replica.contentBytes().length);
    }

    private static String sha256(byte[] b) throws java.security.NoSuchAlgorithmException {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void anEntryThatCannotBeAppliedIsTheSameErrorOnEveryReplicaAndTheLogGoesOn() throws Exception {
        List<RaftStore> stores = startCluster(10_000);
        RaftStore f = follower(stores);
        long t = System.currentTimeMillis();
        f.submit(Command.Put.set(t, "/before", "1"), TIMEOUT);
        // what a submitter that skipped KeyStore.validate (a bug) would propose: it throws inside KeyStore.apply
        byte[] throwsWhenApplied = dev.fleet.store.StoreCodec.encode(Command.Put.set(t, "/not//canonical", "x"));
        Result thrown = f.submitEncoded(throwsWhenApplied, TIMEOUT);
        Result undecodable = f.submitEncoded(new byte[] {1, 99, 1, 2, 3}, TIMEOUT);
        Result group = f.submitEncoded(dev.fleet.store.StoreCodec.encodeGroup(t, List.of(
                dev.fleet.store.StoreCodec.encode(Command.Put.set(t, "/in-group/1", "a")), throwsWhenApplied,
                dev.fleet.store.StoreCodec.encode(Command.Put.set(t, "/in-group/2", "b")))), TIMEOUT);
        Result after = f.submit(Command.Put.set(t, "/after", "2"), TIMEOUT);

        assertThat(thrown).isInstanceOfSatisfying(dev.fleet.store.StoreError.class, e -> {
            assertThat(e.errorCode()).isEqualTo(300);
            assertThat(e.message()).isEqualTo("Raft Internal Error");
            assertThat(e.cause()).contains("not in canonical form");
        });
        assertThat(undecodable).isInstanceOfSatisfying(dev.fleet.store.StoreError.class, e -> {
            assertThat(e.errorCode()).isEqualTo(300);
            assertThat(e.cause()).contains("does not decode");
        });
        assertThat(group).isInstanceOfSatisfying(Result.Group.class, g -> {
            assertThat(g.results()).hasSize(3);
            assertThat(g.results().get(0)).isInstanceOf(Result.Event.class);
            assertThat(((dev.fleet.store.StoreError) g.results().get(1)).errorCode()).isEqualTo(300);
            assertThat(g.results().get(2)).isInstanceOf(Result.Event.class);
        });
        assertThat(after).isInstanceOf(Result.Event.class);
        RaftStore leader = leader(stores);
        for (RaftStore s : stores) {
            s.whenApplied(after.index()).get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> stores.stream().allMatch(s -> s.appliedIndex() == leader.appliedIndex()));
        assertThat(leader.applyFailures()).hasSize(3);
        assertThat(leader.applyFailures().get(0)).isEqualTo(thrown);
        for (RaftStore s : stores) {
            assertSameReplica(s, leader);
            assertThat(value(s, "/after")).isEqualTo("2");
            assertThat(value(s, "/in-group/2")).isEqualTo("b");
            assertThat(s.read("/not", false, false)).as("the failed write changed nothing").isInstanceOf(dev.fleet.store.StoreError.class);
        }

        // a restart replays the same entries from disk: it must pass them the same way, not wedge on them
        RaftStore back = restart(f, 10_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> back.appliedIndex() == leader.appliedIndex());
        assertSameReplica(back, leader);
        Result later = back.submit(Command.Put.set(System.currentTimeMillis(), "/later", "3"), TIMEOUT);
        assertThat(later).isInstanceOf(Result.Event.class);
        back.whenApplied(later.index()).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(value(back, "/later")).isEqualTo("3");
    }

    @Test
    void aRestartedMemberReplaysEveryEntryToTheSameAppliedIndexAndContent() throws Exception {
        List<RaftStore> stores = startCluster(10_000);
        RaftStore f = follower(stores);
        for (int i = 0; i < 30; i++) {
            f.submit(Command.Put.set(System.currentTimeMillis(), "/replay/" + (i % 7), "v" + i), TIMEOUT);
        }
        f.submit(new Command.Delete(System.currentTimeMillis(), "/replay/3", false, false, null, null), TIMEOUT);
        RaftStore leader = leader(stores);
        await().atMost(Duration.ofSeconds(30)).until(() -> f.appliedIndex() == leader.appliedIndex());
        long appliedBefore = f.appliedIndex();

        RaftStore back = restart(f, 10_000); // nothing written while it was down: all of it comes from its own log
        await().atMost(Duration.ofSeconds(30)).until(() -> back.appliedIndex() == leader.appliedIndex());
        assertThat(back.appliedIndex()).isGreaterThanOrEqualTo(appliedBefore);
        assertSameReplica(back, leader);
        assertThat(back.firstLogIndex()).as("no snapshot: replayed entry by entry").isZero();
    }

    private static CorruptLogException corruptLogIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CorruptLogException c) {
                return c;
            }
        }
        return null;
    }

    /** Offsets of the records in a DurableLog entries file (each: length, then that many bytes; zeros end it). */
    private static List<Long> recordOffsets(Path entries) throws IOException {
        java.nio.ByteBuffer file = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(entries));
        List<Long> offsets = new ArrayList<>();
        for (int pos = 0; pos + 4 <= file.limit() && file.getInt(pos) > 0; pos += 4 + file.getInt(pos)) {
            offsets.add((long) pos);
        }
        return offsets;
    }

    /** JGroups-RAFT's max_log_size counts bytes: a snapshot every ≈ 70 of these small entries. */
    private static final long MAX_LOG_BYTES = 4000;

    @Test
    void aMemberWhoseLogIsDamagedInTheMiddleRefusesToStartAndRejoinsFromTheOthersWithAnEmptyDataDir() throws Exception {
        List<RaftStore> stores = startCluster(MAX_LOG_BYTES);
        RaftStore f = follower(stores);
        String name = f.name();
        // until its log was compacted by a snapshot, then 20 entries more (≈ 1 KB, too few to compact it again)
        int i = 0;
        for (; f.firstLogIndex() <= 1 && i < 500; i++) {
            f.submit(Command.Put.set(System.currentTimeMillis(), "/acknowledged/" + (i % 30), "v" + i), TIMEOUT);
        }
        for (int more = 0; more < 20; more++, i++) {
            f.submit(Command.Put.set(System.currentTimeMillis(), "/acknowledged/" + (i % 30), "v" + i), TIMEOUT);
        }
        RaftStore leader = leader(stores);
        await().atMost(Duration.ofSeconds(30)).until(() -> f.appliedIndex() == leader.appliedIndex());
        f.close();
        running.remove(f);
        Path entries;
        try (var files = java.nio.file.Files.walk(dir.resolve(name))) {
            entries = files.filter(p -> p.getFileName().toString().equals("entries")).findFirst().orElseThrow();
        }
        List<Long> records = recordOffsets(entries);
        assertThat(records).hasSizeGreaterThan(10);
        long middle = records.get(records.size() / 2);
        try (var ch = java.nio.channels.FileChannel.open(entries, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xff}), middle + 4 + 8); // inside the record's term
        }

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(name, MAX_LOG_BYTES))
                .satisfies(e -> assertThat(corruptLogIn(e)).as("the failure names the file and the offset: " + e)
                        .isNotNull()
                        .satisfies(c -> {
                            assertThat(c.file()).isEqualTo(entries);
                            assertThat(c.offset()).isEqualTo(middle);
                        }));

        // the documented recovery: move the data dir aside, start with the same members, catch up from the others
        java.nio.file.Files.move(dir.resolve(name), dir.resolve(name + ".damaged"));
        RaftStore back = start(name, MAX_LOG_BYTES);
        await().atMost(Duration.ofSeconds(30)).until(() -> back.appliedIndex() == leader.appliedIndex());
        assertSameReplica(back, leader);
        assertThat(back.firstLogIndex()).as("caught up by snapshot").isGreaterThan(1);
    }
}
