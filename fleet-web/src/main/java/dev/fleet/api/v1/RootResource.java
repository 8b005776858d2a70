package dev.fleet.api.v1;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/** {@code GET /} answers 405 with fleet's error JSON, as fleetd does. */
@ApplicationScoped
@Path("")
public class RootResource {
    @GET
    public Response root() {
        return FleetV1Resource.toResponse(ApiResponse.error(405, ""), true);
    }
}
