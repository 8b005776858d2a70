package dev.fleet.store.raft;

import dev.fleet.store.Command;
import dev.fleet.store.KeyStore;
import dev.fleet.store.Result;
import dev.fleet.store.StoreCodec;
import dev.fleet.store.WatchStart;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.protocols.raft.RaftLeaderException;
import org.jgroups.raft.RaftHandle;
import org.jgroups.util.NameCache;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One member of the replicated store: a JGroups channel with RAFT, the {@link StoreStateMachine}, and the
 * leader's clock. Plain Java (no EE types) so that tests can run several members in one JVM.
 *
 * <p>Writes go through REDIRECT, so a follower forwards them to the leader; the result is the leader's
 * apply result. Local reads may trail the leader by one commit round; {@link #whenApplied} gives
 * read-your-writes on the node that forwarded the write.
 */
public final class RaftStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RaftStore.class.getName());
    /** How often the leader checks whether a TTL is due. */
    static final long TICK_MILLIS = 100;

    private final RaftConfig config;
    private final Executor watchDispatcher;
    private final StoreStateMachine machine;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean tickInFlight = new AtomicBoolean();
    private final AtomicBoolean commitFlushPending = new AtomicBoolean();

    private JChannel channel;
    private RaftHandle raft;
    private REDIRECT redirect;

    public RaftStore(RaftConfig config, Executor watchDispatcher) {
        this.config = config;
        this.watchDispatcher = watchDispatcher;
        this.machine = new StoreStateMachine(config.historyCapacity());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleet-store-clock-" + config.name());
            t.setDaemon(true);
            return t;
        });
    }

    public RaftConfig config() {
        return config;
    }

    /** Connects the channel; the RAFT log in {@link RaftConfig#logDir()} is replayed into the state machine. */
    public synchronized void start() throws Exception {
        Files.createDirectories(config.logDir());
        // refuse a damaged log before binding any port: a channel whose start fails inside RAFT keeps its port
        DurableLog.check(config.logDir().resolve(config.name() + ".log"));
        channel = new JChannel(config.stackXml());
        channel.name(config.name());
        raft = new RaftHandle(channel, machine).raftId(config.name());
        redirect = channel.getProtocolStack().findProtocol(REDIRECT.class);
        channel.connect("fleet-store");
        org.jgroups.protocols.raft.Log log = raft.log();
        if (log instanceof org.jgroups.raft.util.LogCache cache) {
            log = cache.log(); // RAFT wraps its log in a cache
        }
        if (log instanceof DurableLog durable) {
            durable.onCommit(this::pushCommitToFollowers);
        } else {
            LOG.warning("the RAFT log is " + log + ", not fleet's DurableLog: check config/fleet/raft-tcp.xml");
        }
        scheduler.scheduleWithFixedDelay(this::tickIfDue, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Replicates a command and returns the leader's result. Concurrent commands from this node share log
     * entries (group commit, {@link Command.Group}): while {@value #MAX_GROUPS_IN_FLIGHT} groups are in flight,
     * new commands queue and leave together in the next one, so load costs fewer RAFT rounds and fsyncs
     * while a lone command leaves at once, from the caller's own thread. Each command still gets its own result.
     */
    public Result submit(Command command, Duration timeout) {
        KeyStore.validate(command); // refuse what the store would refuse, before it reaches the log
        if (command instanceof Command.Tick || command instanceof Command.Group) {
            return submitNow(command, timeout);
        }
        Pending p = new Pending(StoreCodec.encode(command), timeout, new CompletableFuture<>());
        boolean alone;
        synchronized (groupLock) {
            alone = queue.isEmpty() && groupsInFlight < MAX_GROUPS_IN_FLIGHT;
            if (alone) {
                groupsInFlight++;
            } else {
                queue.add(p);
                startGroups();
            }
        }
        if (alone) {
            runGroup(List.of(p)); // on this thread: a lone command pays no hand-off to a submitter and back
        }
        try {
            return p.result().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (TimeoutException e) {
            throw timedOut(timeout, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new StoreUnavailableException(StoreUnavailableException.RAFT_INTERNAL, "replication failed: " + e.getCause(), e);
        }
    }

    private static StoreUnavailableException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new StoreUnavailableException(StoreUnavailableException.RAFT_INTERNAL, "interrupted", e);
    }

    private static StoreUnavailableException timedOut(Duration timeout, TimeoutException e) {
        return new StoreUnavailableException(StoreUnavailableException.RAFT_INTERNAL,
                "request timed out after " + timeout.toMillis() + " ms (outcome unknown)", e);
    }

    /** At most this many log entries in flight from this node; further commands wait for the next group. */
    static final int MAX_GROUPS_IN_FLIGHT = 4;
    /** A group stops growing at this many commands or bytes (a larger single command travels alone). */
    static final int MAX_GROUP_COMMANDS = 512;
    static final int MAX_GROUP_BYTES = 1 << 20;

    /** A queued command with its encoding (made once: it sizes the group and travels in it). */
    private record Pending(byte[] encoded, Duration timeout, CompletableFuture<Result> result) { }

    private final Object groupLock = new Object();
    private final java.util.ArrayDeque<Pending> queue = new java.util.ArrayDeque<>();
    private int groupsInFlight;
    private final java.util.concurrent.ExecutorService submitters = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fleet-store-submit");
        t.setDaemon(true);
        return t;
    });

    /** Holds groupLock. */
    private void startGroups() {
        while (groupsInFlight < MAX_GROUPS_IN_FLIGHT && !queue.isEmpty()) {
            List<Pending> group = new java.util.ArrayList<>();
            int bytes = 0;
            while (!queue.isEmpty() && group.size() < MAX_GROUP_COMMANDS
                    && (group.isEmpty() || bytes + queue.peek().encoded().length <= MAX_GROUP_BYTES)) {
                Pending p = queue.poll();
                bytes += p.encoded().length;
                group.add(p);
            }
            groupsInFlight++;
            submitters.execute(() -> runGroup(group));
        }
    }

    private void runGroup(List<Pending> group) {
        try {
            if (group.size() == 1) {
                Pending p = group.get(0);
                p.result().complete(submitNow(p.encoded(), p.timeout()));
                return;
            }
            List<byte[]> commands = new java.util.ArrayList<>(group.size());
            group.forEach(p -> commands.add(p.encoded()));
            Result r = submitNow(StoreCodec.encodeGroup(System.currentTimeMillis(), commands), group.get(0).timeout());
            if (r instanceof Result.Group g && g.results().size() == group.size()) {
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).result().complete(g.results().get(i));
                }
            } else {
                group.forEach(p -> p.result().complete(r));
            }
        } catch (RuntimeException e) {
            group.forEach(p -> p.result().completeExceptionally(e));
        } finally {
            synchronized (groupLock) {
                groupsInFlight--;
                startGroups();
            }
        }
    }

    /**
     * Replicates one log entry. Retries only while no leader is known (the entry was certainly not sent); any
     * other failure leaves the outcome unknown and is reported as such.
     */
    private Result submitNow(Command command, Duration timeout) {
        return submitNow(StoreCodec.encode(command), timeout);
    }

    /** Replicates an already encoded log entry as it is, unvalidated: for tests of what reaches the log. */
    Result submitEncoded(byte[] entry, Duration timeout) {
        return submitNow(entry, timeout);
    }

    /** The latest committed entries this replica could not apply (each recorded as error 300). */
    List<dev.fleet.store.StoreError> applyFailures() {
        return machine.applyFailures();
    }

    /** This replica's content as snapshot bytes (equal bytes: equal replicas). */
    byte[] contentBytes() {
        return machine.contentBytes();
    }

    private Result submitNow(byte[] bytes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long remaining = deadline - System.nanoTime();
            try {
                Address leaderAtSubmit = raft.leader();
                CompletableFuture<byte[]> f = redirect.setAsync(bytes, 0, bytes.length);
                byte[] reply = awaitReply(f, leaderAtSubmit, deadline);
                return StoreCodec.decodeResult(reply, 0, reply.length);
            } catch (StoreUnavailableException e) {
                throw e;
            } catch (InterruptedException e) {
                throw interrupted(e);
            } catch (TimeoutException e) {
                throw timedOut(timeout, e);
            } catch (Exception e) {
                Throwable cause = unwrap(e);
                if (cause instanceof RaftLeaderException && System.nanoTime() < deadline - TimeUnit.MILLISECONDS.toNanos(50)) {
                    backOff();
                    continue;
                }
                if (cause instanceof RaftLeaderException) {
                    throw new StoreUnavailableException(StoreUnavailableException.LEADER_ELECT,
                            "no leader elected within " + timeout.toMillis() + " ms", cause);
                }
                throw new StoreUnavailableException(StoreUnavailableException.RAFT_INTERNAL,
                        "replication failed (outcome unknown): " + cause, cause);
            }
        }
    }

    /**
     * Waits for the reply, but gives up early when the leader the request went to is gone: REDIRECT never
     * fails a request forwarded to a leader that crashed, so without this the client would wait out its
     * whole timeout during every failover.
     */
    private byte[] awaitReply(CompletableFuture<byte[]> f, Address leaderAtSubmit, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (true) {
            long remaining = deadline - System.nanoTime();
            try {
                return f.get(Math.max(1, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(100))), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
                Address now = raft.leader();
                boolean leaderLeft = leaderAtSubmit != null && !channel.getView().containsMember(leaderAtSubmit);
                if (leaderLeft || (leaderAtSubmit != null && now != null && !now.equals(leaderAtSubmit))) {
                    f.cancel(false);
                    throw new StoreUnavailableException(StoreUnavailableException.RAFT_INTERNAL,
                            "the leader changed while the request was in flight (outcome unknown)", e);
                }
            }
        }
    }

    private static void backOff() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A local read of this replica's state. */
    public Result read(String key, boolean recursive, boolean sorted) {
        return machine.read(s -> s.get(key, recursive, sorted));
    }

    /** A local read of a slice of a directory's children. */
    public KeyStore.Slice slice(String dir, int offset, int limit) {
        return machine.read(s -> s.slice(dir, offset, limit));
    }

    /** Registers a watch; the listener runs on the dispatcher, never on the RAFT thread. */
    public WatchStart watch(String key, boolean recursive, long waitIndex, Consumer<Result> listener) {
        return machine.watch(key, recursive, waitIndex, r -> watchDispatcher.execute(() -> listener.accept(r)));
    }

    /** The store (etcd) index this replica has applied. */
    public long index() {
        return machine.index();
    }

    /** Watchers registered on this replica and not yet fired or cancelled. */
    public int watcherCount() {
        return machine.read(KeyStore::watcherCount);
    }

    public CompletableFuture<Void> whenApplied(long storeIndex) {
        return machine.whenApplied(storeIndex);
    }

    public String name() {
        return config.name();
    }

    public boolean isLeader() {
        return raft != null && raft.isLeader();
    }

    /** The leader's member name, or null while there is none. */
    public String leaderName() {
        Address leader = raft == null ? null : raft.leader();
        return leader == null ? null : NameCache.get(leader);
    }

    public long term() {
        return raft.currentTerm();
    }

    public long commitIndex() {
        return raft.commitIndex();
    }

    /** This replica's content fingerprint (for operators comparing replicas, and the fuzzer's check). */
    public StoreDigest digest() {
        return machine.digest();
    }

    public long appliedIndex() {
        return raft.lastApplied();
    }

    public long logSize() {
        return raft.logSize();
    }

    /** The first index still in the log: above 1 once a snapshot compacted it (or was installed from the leader). */
    public long firstLogIndex() {
        return raft.log().firstAppended();
    }

    /** Whether the RAFT log syncs every append to disk (it must). */
    public boolean logSyncs() {
        return raft.raft().logUseFsync();
    }

    /** The RAFT voting members (configuration plus committed membership changes). */
    public List<String> members() {
        return List.copyOf(raft.raft().members());
    }


    /** Adds a voting member through the leader; also tells discovery where to find it. */
    public void addMember(String name, InetSocketAddress raftAddress, Duration timeout) {
        addDiscoveryHosts(Map.of(name, raftAddress));
        membershipChange(() -> redirect.addServer(name), timeout);
    }

    public void removeMember(String name, Duration timeout) {
        membershipChange(() -> redirect.removeServer(name), timeout);
    }

    /** Lets discovery reach members that were not in the static list this node started with. */
    public void addDiscoveryHosts(Map<String, InetSocketAddress> hosts) {
        TCPPING ping = channel.getProtocolStack().findProtocol(TCPPING.class);
        if (ping == null) {
            return;
        }
        var all = new java.util.LinkedHashSet<org.jgroups.PhysicalAddress>(ping.getInitialHosts());
        for (InetSocketAddress a : hosts.values()) {
            all.add(new org.jgroups.stack.IpAddress(new InetSocketAddress(a.getHostString(), a.getPort())));
        }
        ping.setInitialHosts2(all);
    }

    private interface MembershipCall {
        CompletableFuture<byte[]> call() throws Exception;
    }

    private void membershipChange(MembershipCall call, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                call.call().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (InterruptedException e) {
                throw interrupted(e);
            } catch (TimeoutException e) {
                throw new StoreUnavailableException(StoreUnavailableException.RAFT_INTERNAL, "membership change timed out", e);
            } catch (Exception e) {
                Throwable cause = unwrap(e);
                if (cause instanceof RaftLeaderException && System.nanoTime() < deadline) {
                    backOff();
                    continue;
                }
                throw new StoreUnavailableException(StoreUnavailableException.RAFT_INTERNAL,
                        "membership change failed: " + cause.getMessage(), cause);
            }
        }
    }

    /**
     * On the leader, tells followers about a new commit index right away (coalesced: one flush in flight),
     * so that they apply — and wake their watchers and forwarding clients — within a round trip instead of
     * at the next AppendEntries. JGroups-RAFT's own send_commits_immediately does this per response and
     * loops with a lagging follower; this does it once per advance of the commit index.
     */
    private void pushCommitToFollowers() {
        if (raft != null && raft.isLeader() && commitFlushPending.compareAndSet(false, true)) {
            scheduler.execute(() -> {
                commitFlushPending.set(false);
                flushCommitIndex();
            });
            // followers whose acknowledgement was still on its way get the commit a moment later
            for (long delayMicros : new long[] {500, 1500, 4000}) {
                scheduler.schedule(this::flushCommitIndex, delayMicros, TimeUnit.MICROSECONDS);
            }
        }
    }

    /**
     * Sends the commit index to each follower that has every committed entry but not yet the commit. Only
     * those: a follower still acknowledging would be sent its entries again, which JGroups-RAFT treats as a
     * duplicate without looking at the commit index.
     */
    private void flushCommitIndex() {
        try {
            RAFT r = raft.raft();
            if (!r.isLeader() || r.commitTable() == null) {
                return;
            }
            long commit = r.commitIndex();
            r.commitTable().forEach((member, e) -> {
                if (e.matchIndex() >= commit && e.commitIndex() < commit) {
                    r.flushCommitTable(member);
                }
            });
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "commit flush failed; followers learn it with the next AppendEntries", e);
        }
    }

    /** The leader feeds its clock into the log whenever a TTL is due, so every replica expires the same keys. */
    private void tickIfDue() {
        try {
            if (!isLeader()) {
                return;
            }
            long now = System.currentTimeMillis();
            var next = machine.read(s -> s.nextExpiration());
            if (next.isEmpty() || next.getAsLong() > now || !tickInFlight.compareAndSet(false, true)) {
                return;
            }
            try {
                submit(new Command.Tick(now), Duration.ofSeconds(5));
            } finally {
                tickInFlight.set(false);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "clock tick failed; retrying on the next tick", e);
        }
    }

    @Override
    public synchronized void close() {
        scheduler.shutdownNow();
        submitters.shutdownNow();
        if (channel != null) {
            channel.close();
        }
    }
}
