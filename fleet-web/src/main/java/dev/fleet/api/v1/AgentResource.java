package dev.fleet.api.v1;

import dev.fleet.api.Admission;
import dev.fleet.api.ClientHangup;
import dev.fleet.api.StreamEnd;
import dev.fleet.api.StreamEnds;
import dev.fleet.api.Streams;
import dev.fleet.node.FleetNode;
import dev.fleet.registry.Registry;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.CompletionCallback;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/** The agents' endpoints (docs/agent-api.md): presence, the machine's own schedule (long poll), state reports. */
@ApplicationScoped
@Path("fleet/agent/v1/machines/{id}")
public class AgentResource {
    /** A schedule long poll ends after this long with the unchanged schedule; the agent polls again. */
    static final long WAIT_SECONDS = 60;

    @EJB
    FleetNode node;

    @PUT
    @Consumes("*/*")
    public Response register(@PathParam("id") String id, @Context UriInfo uri, byte[] body) {
        return call(() -> agent().register(id, request("PUT", uri, body)));
    }

    @DELETE
    public Response deregister(@PathParam("id") String id, @Context UriInfo uri) {
        return call(() -> agent().deregister(id, request("DELETE", uri, null)));
    }

    @PUT
    @Path("states")
    @Consumes("*/*")
    public Response states(@PathParam("id") String id, @Context UriInfo uri, byte[] body) {
        return call(() -> agent().reportStates(id, request("PUT", uri, body)));
    }

    /**
     * The schedule now, or with {@code wait=true&waitIndex=N} once something after index N concerns this machine.
     * Parameters are taken as text: a malformed waitIndex is the client's 400, not JAX-RS's conversion 404.
     */
    @GET
    @Path("schedule")
    public void schedule(@PathParam("id") String id, @QueryParam("wait") String waitParam, @QueryParam("waitIndex") String waitIndexParam,
                         @Context HttpServletRequest http, @Suspended AsyncResponse async) {
        if (!node.isReady()) {
            async.resume(FleetV1Resource.notReady());
            return;
        }
        Long waitIndex;
        try {
            waitIndex = waitIndexParam == null ? null : dev.fleet.api.WaitIndex.parse(waitIndexParam);
        } catch (IllegalArgumentException e) {
            async.resume(FleetV1Resource.toResponse(ApiResponse.error(400, e.getMessage()), true));
            return;
        }
        boolean wait = Boolean.parseBoolean(waitParam); // as JAX-RS converted it before: "true" in any case
        if (!wait || waitIndex == null || !AgentApi.MACHINE_ID.matcher(id).matches()) {
            async.resume(call(() -> agent().schedule(id)));
            return;
        }
        Admission.Outcome admitted = Streams.get().watchers().tryAcquire(Streams.clientOf(http));
        if (admitted instanceof Admission.Refused r) {
            async.resume(refused(r));
            return;
        }
        StreamEnd end = new StreamEnd((Admission.Ticket) admitted);
        Registry registry = node.registry();
        async.register((CompletionCallback) t -> end.run());
        StreamEnds.onContainerEnd(http, end, async::cancel);
        end.andThen(ClientHangup.onClose(http, () -> { // the agent gone: noticed when its connection closes
            end.run();
            ForkJoinPool.commonPool().execute(async::cancel); // off Grizzly's selector thread
        }));
        Runnable cancel = registry.watchSchedule(id, waitIndex, index -> async.resume(call(() -> agent().schedule(id))));
        end.andThen(cancel);
        try {
            async.setTimeoutHandler(a -> {
                cancel.run();
                a.resume(call(() -> agent().schedule(id)));
            });
            async.setTimeout(Math.min(WAIT_SECONDS, Streams.get().limits().longPollSeconds()), TimeUnit.SECONDS);
        } catch (IllegalStateException alreadyAnswered) {
            end.run(); // the change was already there: answered at once
        }
    }

    /** Over a watcher limit: 429 (this client) or 503 (this node) with Retry-After, in fleet's error JSON. */
    static Response refused(Admission.Refused r) {
        return Response.fromResponse(FleetV1Resource.toResponse(ApiResponse.error(r.status(), r.message()), true))
                .header("Retry-After", r.retryAfterSeconds()).build();
    }

    private static ApiRequest request(String method, UriInfo uri, byte[] body) {
        return new ApiRequest(method, uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(), null, body);
    }

    private Response call(java.util.function.Supplier<ApiResponse> handler) {
        if (!node.isReady()) {
            return FleetV1Resource.notReady();
        }
        return FleetV1Resource.toResponse(FleetV1Resource.dispatch(() -> {
            try {
                return handler.get();
            } catch (dev.fleet.schema.SchemaException e) {
                return FleetApi.badBody(e);
            }
        }), true);
    }

    private AgentApi agent() {
        return new AgentApi(node.registry(), node.settings().tuning().agentTtl().toSeconds(), node.settings().limits());
    }
}
