package dev.fleet.api.etcd;

import dev.fleet.api.Once;
import dev.fleet.api.Reply;
import dev.fleet.node.FleetNode;
import dev.fleet.node.NodeSettings;
import dev.fleet.store.Command;
import dev.fleet.store.Result;
import dev.fleet.store.StoreError;
import dev.fleet.store.raft.RaftStore;
import dev.fleet.store.raft.StoreUnavailableException;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.TimeUnit;

/**
 * etcd v2's keys API over the replicated store, without HTTP types: parsing is {@link KeysRequest}'s, the answer a
 * {@link Reply}. The direct servlet path ({@code DirectApiFilter}) serves reads and writes with it; {@link KeysResource}
 * (JAX-RS) serves watches and whatever the direct path leaves to it.
 */
@ApplicationScoped
public class KeysService {
    /** How long a node waits to apply its own forwarded write before answering (read-your-writes). */
    static final long READ_YOUR_WRITES_MILLIS = 2000;

    @EJB
    FleetNode node;

    // the node's store and settings are fixed once it has started
    private final Once<RaftStore> store = new Once<>(() -> node.store());
    private final Once<NodeSettings> settings = new Once<>(() -> node.settings());

    public RaftStore store() {
        return store.get();
    }

    public NodeSettings settings() {
        return settings.get();
    }

    public KeysRequest parse(String method, String rawPath, String rawQuery, String contentType, byte[] body) {
        return KeysRequest.parse(method, rawPath, rawQuery, contentType, body, settings().limits());
    }

    /** The answer to a parsed request other than a watch: a read, a write, or the refusal of an invalid one. */
    public Reply answer(KeysRequest req) {
        if (req instanceof KeysRequest.Watch) {
            throw new IllegalArgumentException("a watch is answered asynchronously, not here");
        }
        return req instanceof KeysRequest.Read r ? read(r) : write(req);
    }

    /** A read from this member's state (a quorum read goes through the log). */
    public Reply read(KeysRequest.Read r) {
        if (r.quorum()) {
            return write(new KeysRequest.Write("GET", t -> new Command.QuorumGet(t, r.key(), r.recursive(), r.sorted())));
        }
        return reply(store().read(r.key(), r.recursive(), r.sorted()), 200);
    }

    /** A write (or a refused request): replicated, then answered once this member has applied it too. */
    public Reply write(KeysRequest req) {
        RaftStore s = store();
        if (req instanceof KeysRequest.Invalid invalid) {
            return error(invalid.error(), s.index());
        }
        KeysRequest.Write w = (KeysRequest.Write) req;
        Result result;
        try {
            result = s.submit(w.command().apply(System.currentTimeMillis()), settings().requestTimeout());
        } catch (StoreUnavailableException e) {
            return error(ApiError.of(e.errorCode(), e.getMessage()), s.index());
        } catch (IllegalArgumentException e) {
            return error(ApiError.invalidField(e.getMessage()), s.index());
        }
        try {
            s.whenApplied(result.index()).get(READ_YOUR_WRITES_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // answer anyway: the write is committed; only this replica's local view lags
        }
        return reply(result, 200);
    }

    public Reply reply(Result result, int okStatus) {
        return reply(result, okStatus, result.index());
    }

    /** etcd's answer to a result: the event (201 for a key created) or the error, with etcd's index headers. */
    public Reply reply(Result result, int okStatus, long etcdIndex) {
        if (result instanceof StoreError e) {
            return error(ApiError.of(e), e.index());
        }
        Result.Event e = (Result.Event) result;
        boolean created = "create".equals(e.action()) || ("set".equals(e.action()) && e.prevNode() == null);
        RaftStore s = store();
        return Reply.json(created ? 201 : okStatus, EtcdJson.event(e, System.currentTimeMillis()),
                Reply.header("X-Etcd-Index", etcdIndex),
                Reply.header("X-Raft-Index", s.commitIndex()),
                Reply.header("X-Raft-Term", s.term()));
    }

    public static Reply error(ApiError e, long index) {
        return Reply.json(e.status(), EtcdJson.error(e, index), Reply.header("X-Etcd-Index", index));
    }
}
