package dev.fleet.api.security;

import dev.fleet.api.RequestGuard;
import dev.fleet.api.security.Identity.Kind;
import dev.fleet.api.security.Identity.Role;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Who may do what on a secured node: one pure decision over (method, path, identity), no EE types. The table:
 * <pre>
 *   GET /livez, /health, /version                       anyone, no identity needed (probes)
 *   /fleet/agent/v1/machines/ID[/...]                   the agent of machine ID only (its certificate's CN), or admin
 *   /fleet/admin/...                                    admin
 *   GET /fleet/v1/..., /v1-alpha/...                    read   (lists, units, state, machines, status, journal)
 *   PUT/DELETE/PATCH/POST /fleet/v1/...                 operate (submit, load, start, stop, destroy, metadata)
 *   GET /v2/keys/...                                    read    (/_fleet is hidden from everyone by the keys API)
 *   PUT/POST/DELETE /v2/keys/...                        operate
 *   GET /v2/members, /v2/stats/..., /metrics, /         read
 *   POST/PUT/DELETE /v2/members...                      admin (a node's certificate counts as admin: --join)
 *   anything else                                       admin
 * </pre>
 * An agent's certificate opens its own machine's agent API and nothing else. The path is judged percent-decoded, as
 * JAX-RS routes it; a path with dot segments or that does not decode is judged as "anything else" (fails closed).
 * No identity: 401; an identity without the role: 403.
 */
public final class AccessPolicy {
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> PROBES = Set.of("/livez", "/health", "/version");
    private static final String AGENT_API = "/fleet/agent/v1/machines/";

    private AccessPolicy() {
    }

    /** Null: allowed. Else the refusal, in the error JSON of the API the path belongs to. */
    public static RequestGuard.Denial decide(String method, String rawPath, Identity who) {
        String m = method.toUpperCase(Locale.ROOT);
        boolean safe = SAFE.contains(m);
        String path = canonical(rawPath);
        RequestGuard.Api api = RequestGuard.api(path == null ? rawPath : path);
        if (path != null && safe && PROBES.contains(path)) {
            return null;
        }
        if (path != null && path.startsWith(AGENT_API)) {
            String rest = path.substring(AGENT_API.length());
            int slash = rest.indexOf('/');
            String machine = slash < 0 ? rest : rest.substring(0, slash);
            if (who.kind() == Kind.AGENT && who.name().equals(machine) && !machine.isEmpty()) {
                return null;
            }
            if (who.role() != null && who.role().allows(Role.ADMIN)) {
                return null;
            }
            if (who.kind() == Kind.ANONYMOUS) {
                return unauthenticated(api);
            }
            return new RequestGuard.Denial(403, api, who.label() + " may not use the agent API of machine " + RequestGuard.printable(machine)
                    + ": only that machine's agent may");
        }
        if (who.kind() == Kind.ANONYMOUS) {
            return unauthenticated(api);
        }
        if (who.kind() == Kind.AGENT) {
            return new RequestGuard.Denial(403, api, who.label() + " may use only its own machine's agent API ("
                    + AGENT_API + who.name() + "), not " + m + " " + RequestGuard.printable(rawPath));
        }
        Role needed = needed(m, safe, path);
        if (who.role() == null) {
            return new RequestGuard.Denial(403, api, who.label() + ": the certificate's OU is not a role (read, operate or admin)");
        }
        if (!who.role().allows(needed)) {
            return new RequestGuard.Denial(403, api, who.label() + " may not " + m + " " + RequestGuard.printable(rawPath) + ": that needs the "
                    + needed.label() + " role");
        }
        return null;
    }

    /** The role a non-agent route needs. */
    static Role needed(String method, boolean safe, String path) {
        if (path == null) {
            return Role.ADMIN;
        }
        if (under(path, "/fleet/admin")) {
            return Role.ADMIN;
        }
        if (under(path, "/fleet/v1") || under(path, "/v1-alpha") || under(path, "/v2/keys")) {
            return safe ? Role.READ : Role.OPERATE;
        }
        if (under(path, "/v2/members")) {
            return safe ? Role.READ : Role.ADMIN;
        }
        if (safe && (under(path, "/v2/stats") || under(path, "/metrics") || path.equals("/") || path.isEmpty())) {
            return Role.READ;
        }
        return Role.ADMIN;
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }

    private static RequestGuard.Denial unauthenticated(RequestGuard.Api api) {
        return new RequestGuard.Denial(401, api, "authentication required: a client certificate of this cluster's CA, or a "
                + "bearer token (bin/fleet-ca issue / bin/fleet-ca token)");
    }

    /**
     * The path percent-decoded (bytes as ISO-8859-1: only ASCII prefixes are compared), or null if it does not decode
     * or has a "." or ".." segment, which a container could resolve into another route.
     */
    static String canonical(String raw) {
        if (raw == null) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c > 0xff) {
                return null;
            } else {
                out.write(c);
            }
        }
        String p = out.toString(StandardCharsets.ISO_8859_1);
        for (String seg : p.split("/", -1)) {
            if (seg.equals(".") || seg.equals("..") || seg.indexOf(';') >= 0 || seg.indexOf('\\') >= 0) {
                return null;
            }
        }
        return p;
    }
}
