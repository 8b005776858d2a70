package dev.fleet.api.etcd;

import dev.fleet.api.Admission;
import dev.fleet.api.ClientHangup;
import dev.fleet.api.StreamEnd;
import dev.fleet.api.StreamEnds;
import dev.fleet.api.Streams;
import dev.fleet.store.WatchStart;
import dev.fleet.store.raft.RaftStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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

/**
 * etcd v2's watches over HTTP ({@code ?wait=true}), and the keys requests that the direct servlet path
 * ({@code DirectApiFilter}) leaves to JAX-RS. The answers are {@link KeysService}'s; this class only adapts.
 */
@ApplicationScoped // one instance: no per-request construction and EJB lookup
@Path("v2/keys{key: (/.*)?}")
public class KeysResource {
    @Inject
    KeysService keys;

    @GET
    public void get(@Context UriInfo uri, @Context HttpServletRequest http, @Suspended AsyncResponse async) {
        KeysRequest req = keys.parse("GET", uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), null, null);
        if (req instanceof KeysRequest.Watch w) {
            watch(keys.store(), w, http, async);
        } else {
            async.resume(keys.answer(req).toResponse());
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
        WatchStart start = store.watch(w.key(), w.recursive(), w.waitIndex(), r -> async.resume(keys.reply(r, 200, indexAtStart).toResponse()));
        if (start instanceof WatchStart.Ready ready) {
            async.resume(keys.reply(ready.event(), 200, indexAtStart).toResponse());
        } else if (start instanceof WatchStart.Failed failed) {
            async.resume(keys.reply(failed.error(), 200).toResponse());
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
        return Response.fromResponse(KeysService.error(new ApiError(r.status(), ApiError.RAFT_INTERNAL, "Too many requests", r.message()), index).toResponse())
                .header("Retry-After", r.retryAfterSeconds()).build();
    }

    @PUT
    @Consumes("*/*")
    public Response put(@Context UriInfo uri, @HeaderParam("Content-Type") String contentType, byte[] body) {
        return keys.answer(keys.parse("PUT", uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), contentType, body)).toResponse();
    }

    @POST
    @Consumes("*/*")
    public Response post(@Context UriInfo uri, @HeaderParam("Content-Type") String contentType, byte[] body) {
        return keys.answer(keys.parse("POST", uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), contentType, body)).toResponse();
    }

    @DELETE
    public Response delete(@Context UriInfo uri) {
        return keys.answer(keys.parse("DELETE", uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), null, null)).toResponse();
    }
}
