package dev.fleet.api.audit;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.api.v1.FleetV1Resource;
import dev.fleet.schema.ApiError;
import dev.fleet.schema.Codec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /fleet/admin/v1/audit?limit=N}: this node's newest audit records, newest last, as
 * {@code {"entries":[...]}}. {@code limit}: 1 to 1000, 100 when absent; anything else is a 400 in fleet's error JSON.
 */
@ApplicationScoped
@Path("fleet/admin/v1/audit")
public class AuditResource {
    private static final Logger LOG = Logger.getLogger(AuditResource.class.getName());
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    @Inject
    AuditTrail trail;

    @GET
    public Response list(@QueryParam("limit") String limit) {
        Integer n = limit(limit);
        if (n == null) {
            return error(400, "limit must be a whole number from 1 to " + MAX_LIMIT + ", not '" + limit + "'");
        }
        List<JsonObject> entries;
        try {
            entries = trail.tail(n);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "fleet: cannot read the audit trail", e);
            return error(500, "cannot read the audit trail: " + e.getMessage());
        }
        return json(200, entries(entries));
    }

    /** The body: {@code {"entries":[...]}}. */
    public static String entries(List<JsonObject> entries) {
        JsonArrayBuilder a = JSON.createArrayBuilder();
        entries.forEach(a::add);
        return JSON.createObjectBuilder().add("entries", a).build().toString();
    }

    /** The limit asked (null: the default), or null when it is not a whole number from 1 to {@link #MAX_LIMIT}. */
    public static Integer limit(String text) {
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        if (!text.matches("[0-9]{1,4}")) {
            return null;
        }
        int n = Integer.parseInt(text);
        return n >= 1 && n <= MAX_LIMIT ? n : null;
    }

    private static Response error(int status, String message) {
        return json(status, Codec.error(new ApiError(status, message)));
    }

    private static Response json(int status, String body) {
        return Response.status(status).header("Server", FleetV1Resource.SERVER).header("Content-Type", "application/json")
                .entity(body).build();
    }
}
