package dev.fleet.api.v1;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fleet answers {@code PATCH /fleet/v1/machines} with 204 and {@code Content-Type: application/json}, and its functional
 * tests check the header. Payara's HTTP server (Grizzly) serializes the content type only on responses that may have
 * a body, so a 204's content type set through the servlet API is dropped. This filter writes it as a raw header of
 * Grizzly's response instead, reached through the servlet response's internals ({@code ResponseFacade.response
 * .getCoyoteResponse().getResponse().getHeaders()}); if those ever change, the reply goes out without the header (as
 * before) and one warning is logged, and {@code FleetApiArqIT} fails.
 */
@WebFilter(urlPatterns = {"/fleet/v1/machines", "/v1-alpha/machines"})
public class NoContentTypeFilter extends HttpFilter {
    private static final Logger LOG = Logger.getLogger(NoContentTypeFilter.class.getName());
    private static volatile boolean warned;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        if (!"PATCH".equals(req.getMethod())) {
            chain.doFilter(req, resp);
            return;
        }
        chain.doFilter(req, new HttpServletResponseWrapper(resp) {
            private int status = 200;
            private String type;
            private boolean written;

            @Override
            public void setStatus(int sc) {
                super.setStatus(sc);
                status = sc;
                check();
            }

            @Override
            public void setContentType(String t) {
                super.setContentType(t);
                type = t;
                check();
            }

            @Override
            public void setHeader(String name, String value) {
                super.setHeader(name, value);
                header(name, value);
            }

            @Override
            public void addHeader(String name, String value) {
                super.addHeader(name, value);
                header(name, value);
            }

            private void header(String name, String value) {
                if ("Content-Type".equalsIgnoreCase(name)) {
                    type = value;
                    check();
                }
            }

            private void check() {
                if (!written && status == 204 && type != null && !isCommitted()) {
                    written = addRawHeader(resp, "Content-Type", type);
                }
            }
        });
    }

    /** Adds a header to Grizzly's response packet directly, past its special handling of Content-Type. */
    static boolean addRawHeader(ServletResponse servletResponse, String name, String value) {
        try {
            Object catalina = field(servletResponse, "response");
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
