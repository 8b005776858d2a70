package dev.fleet.api;

import dev.fleet.api.v1.FleetV1Resource;
import dev.fleet.node.FleetNode;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every exception that leaves a resource, or that JAX-RS raises itself (no route 404, wrong method 405, an unparsable
 * parameter, 406, 415), answers in the error JSON of the API asked ({@link ErrorBodies}), never Payara's HTML page.
 * A {@link WebApplicationException} keeps its status and headers (Allow on a 405) with a message saying what was
 * wrong; anything else is a 500 that shows only an error id, and the exception is logged once, at SEVERE, with that id.
 * The resources answer their deliberate errors as Responses, so nothing they mean to say comes through here.
 */
@Provider
@ApplicationScoped
public class ErrorMapping implements ExceptionMapper<Throwable> {
    private static final Logger LOG = Logger.getLogger(ErrorMapping.class.getName());

    @EJB
    FleetNode node;

    @Context
    UriInfo uri;

    @Context
    Request request;

    @Override
    public Response toResponse(Throwable t) {
        String path = ErrorBodies.pathBelow(uri.getBaseUri().getRawPath(), uri.getRequestUri().getRawPath());
        String method = request.getMethod();
        int status;
        String message;
        Response original = t instanceof WebApplicationException w ? w.getResponse() : null;
        BodyLimit.TooLarge tooLarge = BodyLimit.in(t);
        if (tooLarge != null) { // the body passed limit_body_bytes while a reader read it (BodyLimitFilter)
            original = null;
            status = 413;
            message = tooLarge.getMessage();
        } else if (original != null && original.getStatus() < 500) {
            status = original.getStatus();
            message = ErrorBodies.clientMessage(status, method, path);
        } else {
            status = original != null ? original.getStatus() : 500;
            String id = ErrorBodies.newErrorId();
            LOG.log(Level.SEVERE, "fleet: error id " + id + " answering " + ErrorBodies.printable(method) + " "
                    + ErrorBodies.printable(path), t);
            message = ErrorBodies.serverMessage(id);
        }
        long index = index();
        ErrorBodies.Body body = ErrorBodies.of(path, status, message, index);
        Response.ResponseBuilder b = Response.status(status).type("application/json").entity(body.bytes());
        if (original != null) {
            original.getStringHeaders().forEach((name, values) -> {
                if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")) {
                    values.forEach(v -> b.header(name, v));
                }
            });
        }
        if (tooLarge != null) {
            b.header("Connection", "close"); // the rest of the body is not read to keep the connection
        }
        switch (body.api()) {
            case FLEET -> b.header("Server", FleetV1Resource.SERVER);
            case ETCD -> b.header("X-Etcd-Index", index);
            default -> { }
        }
        return b.build();
    }

    private long index() {
        try {
            return node.store().index();
        } catch (RuntimeException e) {
            return 0; // not started yet
        }
    }
}
