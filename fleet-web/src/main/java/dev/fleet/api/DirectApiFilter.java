package dev.fleet.api;

import dev.fleet.api.etcd.KeysRequest;
import dev.fleet.api.etcd.KeysService;
import dev.fleet.api.v1.FleetV1Service;
import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Collections;
import java.util.List;

/**
 * The hot requests answered straight from the servlet layer: etcd's keys reads and writes and fleet's API v1. The
 * profile in docs/performance.md has Jersey, HK2 and the EJB/CDI calls around a JAX-RS resource at about half of a
 * request's CPU, while the handlers underneath ({@link KeysService}, {@link FleetV1Service}) need none of it. The same
 * handlers answer through JAX-RS what this filter passes on: watches (asynchronous, {@code KeysResource}), a unit's
 * journal and status (their own filter and resource), HEAD and OPTIONS, and methods the APIs do not have.
 * Declared in web.xml after the admission filters (audit, guard, body limit), which see every request as before.
 */
public class DirectApiFilter extends HttpFilter {
    @Inject
    KeysService keys;

    @Inject
    FleetV1Service fleet;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        Reply reply = answer(req);
        if (reply == null) {
            chain.doFilter(req, resp);
        } else {
            reply.writeTo(resp);
        }
    }

    /** The answer, or null for a request this path leaves to JAX-RS. */
    private Reply answer(HttpServletRequest req) throws IOException {
        String method = req.getMethod();
        String path = req.getRequestURI().substring(req.getContextPath().length());
        return switch (route(method, path)) {
            case KEYS -> keys(method, path, req);
            case FLEET -> fleet.handle(method, path, req.getQueryString(), Collections.list(req.getHeaders("Content-Type")),
                    hasBody(method) ? req.getInputStream().readAllBytes() : null);
            case JAX_RS -> null;
        };
    }

    private Reply keys(String method, String path, HttpServletRequest req) throws IOException {
        boolean get = method.equals("GET");
        byte[] body = hasBody(method) ? req.getInputStream().readAllBytes() : null;
        KeysRequest parsed = keys.parse(method, path, req.getQueryString(), get ? null : req.getHeader("Content-Type"), body);
        return parsed instanceof KeysRequest.Watch ? null : keys.answer(parsed); // a watch: KeysResource
    }

    enum Route { KEYS, FLEET, JAX_RS }

    private static final List<String> FLEET_PREFIXES = List.of("/fleet/v1", "/v1-alpha");

    /** Where a request goes: pure, so that tests can show what stays with JAX-RS. */
    static Route route(String method, String path) {
        if (under(path, KeysRequest.PREFIX)) {
            return switch (method) {
                case "GET", "PUT", "POST", "DELETE" -> Route.KEYS;
                default -> Route.JAX_RS;
            };
        }
        for (String prefix : FLEET_PREFIXES) {
            if (under(path, prefix)) {
                boolean methodKnown = switch (method) {
                    case "GET", "PUT", "POST", "DELETE", "PATCH" -> true;
                    default -> false;
                };
                return methodKnown && !unitSubresource(path.substring(prefix.length())) ? Route.FLEET : Route.JAX_RS;
            }
        }
        return Route.JAX_RS;
    }

    /** {@code /units/NAME/...}: a unit's journal and status have their own filter and resource. */
    private static boolean unitSubresource(String rest) {
        return rest.startsWith("/units/") && rest.indexOf('/', "/units/".length()) >= 0;
    }

    /** {@code path} is {@code prefix} or below it. */
    private static boolean under(String path, String prefix) {
        return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    private static boolean hasBody(String method) {
        return method.equals("PUT") || method.equals("POST") || method.equals("PATCH");
    }
}
