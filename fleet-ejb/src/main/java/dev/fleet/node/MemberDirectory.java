package dev.fleet.node;

import dev.fleet.store.Command;
import dev.fleet.store.NodeView;
import dev.fleet.store.Result;
import dev.fleet.store.WatchStart;
import dev.fleet.store.raft.RaftStore;
import dev.fleet.store.raft.StoreUnavailableException;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Control-plane membership: RAFT decides who votes; the store keeps each member's URLs under the hidden
 * directory {@value #DIR} (value {@code "PEER_URL CLIENT_URL"}) so that every node can list, reach and
 * discover every other one, and restarts find the latest membership in {@link ClusterFile}.
 */
public final class MemberDirectory {
    public static final String DIR = "/_fleet/members";
    private static final Logger LOG = Logger.getLogger(MemberDirectory.class.getName());

    private final RaftStore store;
    private final ClusterFile clusterFile;
    private final Duration timeout;
    private volatile boolean watching = true;

    public MemberDirectory(RaftStore store, ClusterFile clusterFile, Duration timeout) {
        this.store = store;
        this.clusterFile = clusterFile;
        this.timeout = timeout;
    }

    /** Voting members in RAFT's order, with their URLs where known. */
    public List<Member> list() {
        Map<String, Member> records = records();
        List<Member> out = new ArrayList<>();
        for (String name : store.members()) {
            out.add(records.getOrDefault(name, Member.of(name, null, null)));
        }
        return out;
    }

    public Optional<Member> find(String idOrName) {
        return list().stream().filter(m -> m.id().equals(idOrName) || m.name().equals(idOrName)).findFirst();
    }

    /** Adds a voting member. Throws IllegalStateException if the name is already a member. */
    public Member add(String name, String peerUrl, String clientUrl) {
        InetSocketAddress raftAddress = Member.raftAddress(peerUrl);
        if (store.members().contains(name)) {
            throw new IllegalStateException("member '" + name + "' already exists");
        }
        Member m = Member.of(name, peerUrl, clientUrl);
        writeRecord(m);
        store.addMember(name, raftAddress, timeout);
        return m;
    }

    /**
     * Removes a voting member. Removing the leader itself can fail after the change committed (the leader
     * steps down before it answers), so a failure counts only if the member is still listed afterwards.
     */
    public void remove(Member m) {
        try {
            store.removeMember(m.name(), timeout);
        } catch (StoreUnavailableException e) {
            if (!awaitGone(m.name())) {
                throw e;
            }
        }
        deleteRecord(m.name());
    }

    /**
     * Deleting a record is idempotent, so unlike other writes it may simply be sent again when the answer
     * was lost — as it is when the member just removed was the leader and stepped down.
     */
    private void deleteRecord(String name) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                store.submit(new Command.Delete(System.currentTimeMillis(), DIR + "/" + name, false, false, null, null), timeout);
                return; // deleted, or already gone (100)
            } catch (StoreUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitGone(String name) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (store.leaderName() != null && !store.members().contains(name)) {
                return true;
            }
            pause();
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
        return false;
    }

    /** Publishes this node's URLs (idempotent: only writes when they changed). */
    public void registerSelf(String name, String peerUrl, String clientUrl) {
        Member self = Member.of(name, peerUrl, clientUrl);
        if (!self.equals(records().get(name))) {
            writeRecord(self);
        }
    }

    private void writeRecord(Member m) {
        String value = String.join(" ", m.peerURLs().isEmpty() ? "-" : m.peerURLs().get(0),
                m.clientURLs().isEmpty() ? "-" : m.clientURLs().get(0));
        store.submit(Command.Put.set(System.currentTimeMillis(), DIR + "/" + m.name(), value), timeout);
    }

    /** Member records as this replica has them. */
    public Map<String, Member> records() {
        Map<String, Member> out = new LinkedHashMap<>();
        Result r = store.read(DIR, false, true);
        if (r instanceof Result.Event e && e.node().nodes() != null) {
            for (NodeView n : e.node().nodes()) {
                String name = n.key().substring(DIR.length() + 1);
                String[] urls = n.value() == null ? new String[0] : n.value().split(" ");
                out.put(name, Member.of(name, urlOrNull(urls, 0), urlOrNull(urls, 1)));
            }
        }
        return out;
    }

    private static String urlOrNull(String[] urls, int i) {
        return i < urls.length && !urls[i].equals("-") ? urls[i] : null;
    }

    /**
     * Keeps discovery and {@link ClusterFile} in step with the records: re-arms a recursive watch on
     * {@value #DIR} after every change, so new members become reachable and restarts use the latest list.
     */
    public void followChanges() {
        if (!watching) {
            return;
        }
        try {
            syncDiscovery();
            WatchStart w = store.watch(DIR, true, store.index() + 1, r -> followChanges());
            if (w instanceof WatchStart.Ready) {
                followChanges();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not follow membership changes", e);
        }
    }

    public void stop() {
        watching = false;
    }

    private void syncDiscovery() {
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        List<String> voting = store.members();
        records().forEach((name, m) -> {
            if (!m.peerURLs().isEmpty()) { // a record exists from add until remove
                addresses.put(name, Member.raftAddress(m.peerURLs().get(0)));
            }
        });
        // members without a record yet keep the address this node was configured with
        store.config().members().forEach((name, a) -> {
            if (voting.contains(name)) {
                addresses.putIfAbsent(name, a);
            }
        });
        if (!addresses.isEmpty()) {
            store.addDiscoveryHosts(addresses);
            clusterFile.write(addresses);
        }
    }
}
