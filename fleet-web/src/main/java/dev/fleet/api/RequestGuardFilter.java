package dev.fleet.api;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.api.etcd.ApiError;
import dev.fleet.api.etcd.EtcdJson;
import dev.fleet.api.security.Access;
import dev.fleet.api.v1.FleetV1Resource;
import dev.fleet.node.FleetNode;
import dev.fleet.schema.Codec;
import jakarta.ejb.EJB;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.logging.Logger;

/**
 * Every request of the node is admitted here: {@link RequestGuard} first (Host, Origin), then, on a secured node,
 * {@link Access} (who is calling: client certificate or bearer token; {@code AccessPolicy}: may they). The caller's
 * label goes into the request attribute {@link Access#IDENTITY_ATTRIBUTE} for the audit trail, refused or not.
 * Declared in WEB-INF/web.xml (not by annotation) so that it runs before the annotated filters, {@code JournalFilter} among them. Refusals answer in the error JSON of
 * the API asked: fleet's {@code {"error":{...}}}, etcd's members {@code {"message":...}}, or etcd's keys
 * {@code {"errorCode":209,...}}.
 */
public class RequestGuardFilter extends HttpFilter {
    private static final Logger LOG = Logger.getLogger(RequestGuardFilter.class.getName());
    /** Extra names of this node that a Host header may carry, comma-separated (e.g. a DNS name in front of it). */
    public static final String NAMES_PROPERTY = "fleet.http.names";

    @EJB
    FleetNode node;

    private volatile RequestGuard guard;
    private volatile Access access;

    private Access access() {
        Access a = access;
        if (a == null) {
            a = Access.from(System.getProperties());
            access = a;
            LOG.info(a.enabled() ? "fleet: every request needs a client certificate of the cluster's CA"
                    + (a.tokens() ? " or a bearer token" : " (no token key configured: certificates only)")
                    : "fleet: no TLS configured, requests are not authenticated (loopback only)");
        }
        return a;
    }

    private RequestGuard guard() {
        RequestGuard g = guard;
        if (g == null) {
            String httpHost = System.getProperty("fleet.http.host", "127.0.0.1");
            try {
                httpHost = node.settings().httpHost();
            } catch (RuntimeException e) {
                // not started yet: the property is what the settings read
            }
            String machine = null;
            try {
                machine = InetAddress.getLocalHost().getHostName();
            } catch (IOException | RuntimeException e) {
                // no name: only addresses then
            }
            g = RequestGuard.of(httpHost, System.getProperty(NAMES_PROPERTY), machine);
            guard = g;
            LOG.info("fleet: HTTP requests must name this node as one of " + g.names() + " or the address they came in on");
        }
        return g;
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        String path = req.getRequestURI().substring(req.getContextPath().length());
        // who first: the audit trail names the caller of a refused request too
        Access a = access();
        Access.Who who = a.identify((X509Certificate[]) req.getAttribute("jakarta.servlet.request.X509Certificate"),
                req.getHeader("Authorization"));
        req.setAttribute(Access.IDENTITY_ATTRIBUTE, who instanceof Access.Known k ? k.identity().label() : "bad-token");
        RequestGuard.Denial d = guard().check(req.getMethod(), path, req.getHeader("Host"), req.getLocalAddr(), req.getScheme(),
                req.getHeader("Origin"), req.getHeader("Sec-Fetch-Site"), req.getContentType());
        if (d == null) {
            d = a.decide(req.getMethod(), path, who);
            if (d == null) {
                chain.doFilter(req, resp);
                return;
            }
            if (d.status() == 401) {
                resp.setHeader("WWW-Authenticate", "Bearer realm=\"fleet\"");
            }
        }
        byte[] body;
        switch (d.api()) {
            case FLEET -> {
                resp.setHeader("Server", FleetV1Resource.SERVER);
                body = Codec.error(new dev.fleet.schema.ApiError(d.status(), d.message())).getBytes(StandardCharsets.UTF_8);
            }
            case ETCD_MEMBERS -> body = JSON.createObjectBuilder().add("message", d.message()).build().toString()
                    .getBytes(StandardCharsets.UTF_8);
            default -> {
                long index = index();
                resp.setHeader("X-Etcd-Index", Long.toString(index));
                body = EtcdJson.error(d.status() == 401 || d.status() == 403
                        ? new ApiError(d.status(), ApiError.UNAUTHORIZED, "The request requires user authentication", d.message())
                        : new ApiError(d.status(), ApiError.INVALID_FIELD, d.status() == 405 ? "Method Not Allowed" : "Invalid field",
                        d.message()), index);
            }
        }
        if (RequestGuard.closesConnection(req.getMethod())) {
            resp.setHeader("Connection", "close");
        }
        resp.setStatus(d.status());
        resp.setContentType("application/json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    private long index() {
        try {
            return node.store().index();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
