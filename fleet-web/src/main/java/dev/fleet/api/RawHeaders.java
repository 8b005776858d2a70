package dev.fleet.api;

import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fleet answers {@code PATCH /fleet/v1/machines} with 204 and {@code Content-Type: application/json}, and its functional
 * tests check the header. Payara's HTTP server (Grizzly) serializes the content type only on responses that may have
 * a body, so a 204's content type set through the servlet API is dropped. {@link #add} writes it as a raw header of
 * Grizzly's response instead, reached through the servlet response's internals ({@code ResponseFacade.response
 * .getCoyoteResponse().getResponse().getHeaders()}); if those ever change, the reply goes out without the header (as
 * before) and one warning is logged, and {@code FleetApiArqIT} fails.
 */
final class RawHeaders {
    private static final Logger LOG = Logger.getLogger(RawHeaders.class.getName());
    private static volatile boolean warned;

    private RawHeaders() {
    }

    /** Adds a header to Grizzly's response packet directly, past its special handling of Content-Type. */
    static boolean add(ServletResponse servletResponse, String name, String value) {
        ServletResponse r = servletResponse;
        while (r instanceof ServletResponseWrapper w) {
            r = w.getResponse();
        }
        try {
            Object catalina = field(r, "response");
            Object grizzly = call(catalina, "getCoyoteResponse");
            Object packet = call(grizzly, "getResponse");
            Object headers = call(packet, "getHeaders");
            Object chunk = headers.getClass().getMethod("addValue", String.class).invoke(headers, name);
            chunk.getClass().getMethod("setString", String.class).invoke(chunk, value);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.log(Level.WARNING, "cannot add " + name + " to a 204 reply (the server's internals changed): " + e);
            }
            return false;
        }
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(o.getClass().getName() + "." + name);
    }

    private static Object call(Object o, String method) throws ReflectiveOperationException {
        Method m = o.getClass().getMethod(method);
        m.setAccessible(true);
        return m.invoke(o);
    }
}
