package dev.fleet.api;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.util.List;

/**
 * A finished answer of the API (status, headers, JSON body or none), free of JAX-RS and servlet types, so that one
 * handler serves both the direct servlet path ({@link DirectApiFilter}) and the JAX-RS resources.
 */
public record Reply(int status, List<Header> headers, byte[] body) {
    public record Header(String name, String value) { }

    public Reply {
        headers = List.copyOf(headers);
    }

    /** A JSON answer (Content-Type application/json) with these headers. */
    public static Reply json(int status, byte[] body, Header... headers) {
        return new Reply(status, List.of(headers), body);
    }

    public static Header header(String name, Object value) {
        return new Header(name, String.valueOf(value));
    }

    public Response toResponse() {
        Response.ResponseBuilder b = Response.status(status);
        for (Header h : headers) {
            b.header(h.name(), h.value());
        }
        if (body != null) {
            b.type("application/json").entity(body);
        }
        return b.build();
    }

    public void writeTo(HttpServletResponse resp) throws IOException {
        resp.setStatus(status);
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase("Content-Type")) {
                resp.setContentType(h.value()); // the container keeps its own: a plain header would not be sent
                if (status == 204) {
                    RawHeaders.add(resp, h.name(), h.value()); // nor that on a 204 (fleet's PATCH reply has it)
                }
            } else {
                resp.setHeader(h.name(), h.value());
            }
        }
        if (body != null) {
            resp.setContentType("application/json");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
        }
    }
}
