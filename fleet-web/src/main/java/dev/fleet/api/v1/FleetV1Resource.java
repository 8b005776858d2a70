package dev.fleet.api.v1;

import dev.fleet.api.Reply;
import dev.fleet.store.raft.StoreUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fleet's API v1 (and its /v1-alpha alias) over JAX-RS: what the direct servlet path ({@code DirectApiFilter}) leaves
 * to it (HEAD, OPTIONS, unknown methods). The answers are {@link FleetV1Service}'s, as on the direct path.
 */
@ApplicationScoped
@Path("{path: (fleet/v1|v1-alpha)(/.*)?}")
public class FleetV1Resource {
    private static final Logger LOG = Logger.getLogger(FleetV1Resource.class.getName());
    public static final String SERVER = "fleetd/" + dev.fleet.model.FleetVersion.VERSION;

    @Inject
    FleetV1Service api;

    @GET
    public Response get(@Context UriInfo uri, @Context HttpHeaders headers) {
        return handle("GET", uri, headers, null);
    }

    @PUT
    @Consumes("*/*")
    public Response put(@Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
        return handle("PUT", uri, headers, body);
    }

    @DELETE
    public Response delete(@Context UriInfo uri, @Context HttpHeaders headers) {
        return handle("DELETE", uri, headers, null);
    }

    @PATCH
    @Consumes("*/*")
    public Response patch(@Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
        return handle("PATCH", uri, headers, body);
    }

    @POST
    @Consumes("*/*")
    public Response post(@Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
        return handle("POST", uri, headers, body);
    }

    @OPTIONS
    public Response options(@Context UriInfo uri, @Context HttpHeaders headers) {
        return handle("OPTIONS", uri, headers, null);
    }

    private Response handle(String method, UriInfo uri, HttpHeaders headers, byte[] body) {
        return api.handle(method, uri.getRequestUri().getRawPath(), uri.getRequestUri().getRawQuery(),
                headers.getRequestHeader(HttpHeaders.CONTENT_TYPE), body).toResponse();
    }

    /** Store trouble becomes 503/500 with fleet's error JSON; nothing was half-applied (transactions). */
    static ApiResponse dispatch(java.util.function.Supplier<ApiResponse> call) {
        try {
            return call.get();
        } catch (StoreUnavailableException e) {
            return ApiResponse.error(503, UNAVAILABLE + ": " + e.getMessage());
        } catch (RuntimeException e) {
            // the registry's failures included: a 500 shows only an id; the log has the rest under it
            String id = dev.fleet.api.ErrorBodies.newErrorId();
            LOG.log(Level.SEVERE, "fleet API request failed, error id " + id, e);
            return ApiResponse.error(500, dev.fleet.api.ErrorBodies.serverMessage(id));
        }
    }

    static final String UNAVAILABLE = "fleet server unable to communicate with etcd";

    /** fleet's answer while the node has no leader: 503, and no Server header. */
    static Response notReady() {
        return notReadyReply().toResponse();
    }

    static Reply notReadyReply() {
        return reply(ApiResponse.error(503, UNAVAILABLE), false);
    }

    static Response toResponse(ApiResponse r, boolean serverHeader) {
        return reply(r, serverHeader).toResponse();
    }

    /** fleet's answer as sent: the Server header, and the JSON content type (Grizzly drops it on a 204: see README). */
    static Reply reply(ApiResponse r, boolean serverHeader) {
        List<Reply.Header> headers = new java.util.ArrayList<>(2);
        if (serverHeader) {
            headers.add(new Reply.Header("Server", SERVER));
        }
        if (r.jsonType() && r.body() == null) {
            headers.add(new Reply.Header("Content-Type", "application/json"));
        }
        return new Reply(r.status(), headers, r.body() == null ? null : r.body().getBytes(StandardCharsets.UTF_8));
    }
}
