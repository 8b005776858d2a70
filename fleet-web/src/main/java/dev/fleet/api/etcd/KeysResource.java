package dev.fleet.api.etcd;

import dev.fleet.api.Admission;
import dev.fleet.api.ClientHangup;
import dev.fleet.api.StreamEnd;
import dev.fleet.api.StreamEnds;
import dev.fleet.api.Streams;
import dev.fleet.node.FleetNode;
import dev.fleet.store.Result;
import dev.fleet.store.StoreError;
import dev.fleet.store.WatchStart;
import dev.fleet.store.raft.RaftStore;
import dev.fleet.store.raft.StoreUnavailableException;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/** etcd v2's keys API over the replicated store. Parsing lives in {@link KeysRequest}; this class only adapts. */
@ApplicationScoped // one instance: no per-request construction and EJB lookup
@Path("v2/keys{key: (/.*)?}")
public class KeysResource {
    /** How long a node waits to apply its own forwarded write before answering (read-your-writes). */
    static final long READ_YOUR_WRITES_MILLIS = 2000;

    @EJB
    FleetNode node;

    @GET
    public void get(@Context UriInfo uri, @Context HttpServletRequest http, @Suspended AsyncResponse async) {
        KeysRequest req = KeysRequest.parse("GET", uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), null, null, node.settings().limits());
        RaftStore store = node.store();
        if (req instanceof KeysRequest.Read r) {
            if (r.quorum()) {
                async.resume(write(new KeysRequest.Write("GET", t -> new dev.fleet.store.Command.QuorumGet(t, r.key(), r.recursive(), r.sorted()))));
            } else {
                async.resume(reply(store.read(r.key(), r.recursive(), r.sorted()), 200));
            }
        } else if (req instanceof KeysRequest.Watch w) {
            watch(store, w, http, async);
        } else {
            async.resume(error(((KeysRequest.Invalid) req).error(), store.index()));
        }
    }

    private void watch(RaftStore store, KeysRequest.Watch w, HttpServletRequest http, AsyncResponse async) {
        long indexAtStart = store.index();
        Admission.Outcome admitted = Streams.get().watchers().tryAcquire(Streams.clientOf(http));
        if (admitted instanceof Admission.Refused r) {
            async.resume(refused(r, indexAtStart));
            return;
        }
        StreamEnd end = new StreamEnd((Admission.Ticket) admitted);
        // every end releases the place: answered (event, timeout), or the client gone (its connection closed)
        async.register((jakarta.ws.rs.container.CompletionCallback) t -> end.run());
        StreamEnds.onContainerEnd(http, end, async::cancel);
        end.andThen(ClientHangup.onClose(http, () -> {
            end.run();
            ForkJoinPool.commonPool().execute(async::cancel); // off Grizzly's selector thread
        }));
        WatchStart start = store.watch(w.key(), w.recursive(), w.waitIndex(), r -> async.resume(reply(r, 200, indexAtStart)));
        if (start instanceof WatchStart.Ready ready) {
            async.resume(reply(ready.event(), 200, indexAtStart));
        } else if (start instanceof WatchStart.Failed failed) {
            async.resume(reply(failed.error(), 200));
        } else {
            WatchStart.Watch pending = ((WatchStart.Waiting) start).watch();
            end.andThen(pending::cancel);
            try {
                async.setTimeoutHandler(a -> {
                    pending.cancel();
                    a.resume(Response.ok().header("X-Etcd-Index", store.index()).build());
                });
                async.setTimeout(Streams.get().limits().longPollSeconds(), TimeUnit.SECONDS);
            } catch (IllegalStateException alreadyAnswered) {
                end.run(); // the event came while we set up the timeout
            }
        }
    }

    /** Over a watcher limit: 429 (this client) or 503 (this node) with Retry-After, in etcd's error shape. */
    static Response refused(Admission.Refused r, long index) {
        return Response.fromResponse(error(new ApiError(r.status(), ApiError.RAFT_INTERNAL, "Too many requests", r.message()), index))
                .header("Retry-After", r.retryAfterSeconds()).build();
    }

    @PUT
    @Consumes("*/*")
    public Response put(@Context UriInfo uri, @HeaderParam("Content-Type") String contentType, byte[] body) {
        return write(KeysRequest.parse("PUT", uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), contentType, body, node.settings().limits()));
    }

    @POST
    @Consumes("*/*")
    public Response post(@Context UriInfo uri, @HeaderParam("Content-Type") String contentType, byte[] body) {
        return write(KeysRequest.parse("POST", uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), contentType, body, node.settings().limits()));
    }

    @DELETE
    public Response delete(@Context UriInfo uri) {
        return write(KeysRequest.parse("DELETE", uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), null, null, node.settings().limits()));
    }

    private Response write(KeysRequest req) {
        RaftStore store = node.store();
        if (req instanceof KeysRequest.Invalid invalid) {
            return error(invalid.error(), store.index());
        }
        KeysRequest.Write w = (KeysRequest.Write) req;
        Result result;
        try {
            result = store.submit(w.command().apply(System.currentTimeMillis()), node.settings().requestTimeout());
        } catch (StoreUnavailableException e) {
            return error(ApiError.of(e.errorCode(), e.getMessage()), store.index());
        } catch (IllegalArgumentException e) {
            return error(ApiError.invalidField(e.getMessage()), store.index());
        }
        try {
            store.whenApplied(result.index()).get(READ_YOUR_WRITES_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // answer anyway: the write is committed; only this replica's local view lags
        }
        return reply(result, 200);
    }

    private Response reply(Result result, int okStatus) {
        return reply(result, okStatus, result.index());
    }

    private Response reply(Result result, int okStatus, long etcdIndex) {
        if (result instanceof StoreError e) {
            return error(ApiError.of(e), e.index());
        }
        Result.Event e = (Result.Event) result;
        boolean created = "create".equals(e.action()) || ("set".equals(e.action()) && e.prevNode() == null);
        return Response.status(created ? 201 : okStatus)
                .type("application/json")
                .header("X-Etcd-Index", etcdIndex)
                .header("X-Raft-Index", node.store().commitIndex())
                .header("X-Raft-Term", node.store().term())
                .entity(EtcdJson.event(e, System.currentTimeMillis()))
                .build();
    }

    static Response error(ApiError e, long index) {
        return Response.status(e.status()).type("application/json").header("X-Etcd-Index", index)
                .entity(EtcdJson.error(e, index)).build();
    }
}
