package dev.fleet.api;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Keeps browsers from driving a node (docs/security.md, "Browsers"): pure decision, no EE types.
 * <ul>
 * <li><b>Host</b> (DNS rebinding): the {@code Host} header must name this node: its configured HTTP host, the
 * address the connection came in on, the loopback names ({@code localhost}, {@code 127.0.0.1}, {@code ::1}: an SSH
 * forward such as {@code fleetctl --tunnel} arrives with them, and no rebinding page can), the machine's host name
 * when bound to a wildcard address, and the names in {@code fleet.http.names}. Else 421. No {@code Host} at all
 * (HTTP/1.0) passes: every browser sends one.</li>
 * <li><b>Origin</b> (CSRF): a request other than GET/HEAD/OPTIONS with an {@code Origin} that is not this very
 * origin (scheme, host and port of the request), or with {@code Sec-Fetch-Site: cross-site|same-site}, is 403.
 * Without either header (curl, fleetctl, agents) it passes.</li>
 * <li><b>Members</b>: {@code POST}/{@code PUT /v2/members...} need {@code Content-Type: application/json}, as in etcd
 * (415, etcd's text), so that a form or text/plain "simple request" never changes membership.</li>
 * </ul>
 */
public final class RequestGuard {
    /** The error API a path answers in. */
    public enum Api { FLEET, ETCD_MEMBERS, ETCD }

    /** Why a request is refused: status, the API whose error JSON to answer in, and a message. */
    public record Denial(int status, Api api, String message) { }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    /**
     * Methods refused before anything else, on a connection that is then closed ({@link #closesConnection}): no
     * route serves them, and Grizzly does not skip their body, so the next request on a kept-alive connection would
     * be parsed from the middle of it (seen as a 505 for an innocent request in ClusterFuzzIT).
     */
    static final Set<String> NO_BODY_SKIP_METHODS = Set.of("TRACE", "CONNECT");

    /** True for a refusal after which the connection must close (its request body may still be unread). */
    public static boolean closesConnection(String method) {
        return NO_BODY_SKIP_METHODS.contains(method);
    }

    private final Set<String> names;

    private RequestGuard(Set<String> names) {
        this.names = Set.copyOf(names);
    }

    /**
     * {@code httpHost}: the configured HTTP host ({@code fleet.http.host}); {@code extraNames}: comma-separated
     * ({@code fleet.http.names}), may be null; {@code machineName}: this machine's host name, used only when
     * {@code httpHost} is a wildcard address (may be null).
     */
    public static RequestGuard of(String httpHost, String extraNames, String machineName) {
        Set<String> n = new LinkedHashSet<>();
        n.add("localhost");
        n.add("127.0.0.1");
        n.add("::1");
        if (httpHost != null && !httpHost.isBlank()) {
            String h = normalizeHost(httpHost.strip());
            n.add(h);
            if ((h.equals("0.0.0.0") || h.equals("::")) && machineName != null && !machineName.isBlank()) {
                n.add(normalizeHost(machineName.strip()));
            }
        }
        if (extraNames != null) {
            for (String e : extraNames.split(",")) {
                if (!e.isBlank()) {
                    n.add(normalizeHost(e.strip()));
                }
            }
        }
        return new RequestGuard(n);
    }

    public Set<String> names() {
        return names;
    }

    /** The API whose error JSON {@code path} (below the context root) answers in. */
    public static Api api(String path) {
        if (path.startsWith("/fleet/") || path.equals("/fleet") || path.startsWith("/v1-alpha/") || path.equals("/v1-alpha")) {
            return Api.FLEET;
        }
        if (path.equals("/v2/members") || path.startsWith("/v2/members/")) {
            return Api.ETCD_MEMBERS;
        }
        return Api.ETCD;
    }

    /**
     * Null when the request may go on, else why not. {@code host}, {@code origin}, {@code secFetchSite},
     * {@code contentType}: the request's headers (null when absent); {@code localAddr}: the address the connection
     * came in on (null if unknown); {@code scheme}: http or https.
     */
    public Denial check(String method, String path, String host, String localAddr, String scheme, String origin,
                        String secFetchSite, String contentType) {
        Api api = api(path);
        if (NO_BODY_SKIP_METHODS.contains(method)) {
            return new Denial(405, api, "method not allowed: " + method + " " + printable(path));
        }
        HostPort hp = null;
        if (host != null && !host.isBlank()) {
            hp = HostPort.parse(host.strip(), scheme);
            if (hp == null || !(names.contains(hp.host) || (localAddr != null && hp.host.equals(normalizeHost(localAddr))))) {
                return new Denial(421, api, "the Host header \"" + printable(host) + "\" does not name this node"
                        + " (add the name to fleet.http.names)");
            }
        }
        String m = method.toUpperCase(Locale.ROOT);
        if (!SAFE_METHODS.contains(m)) {
            if (secFetchSite != null) {
                String site = secFetchSite.strip().toLowerCase(Locale.ROOT);
                if (site.equals("cross-site") || site.equals("same-site")) {
                    return new Denial(403, api, "cross-site requests may not change this node (Sec-Fetch-Site: " + printable(site) + ")");
                }
            }
            if (origin != null && !sameOrigin(origin.strip(), hp, scheme)) {
                return new Denial(403, api, "requests from origin \"" + printable(origin) + "\" may not change this node");
            }
            if (api == Api.ETCD_MEMBERS && (m.equals("POST") || m.equals("PUT")) && !isJson(contentType)) {
                // etcd's unmarshalRequest: exactly this text, 415
                return new Denial(415, api, "Bad Content-Type " + (contentType == null ? "" : printable(contentType))
                        + ", accept application/json");
            }
        }
        return null;
    }

    /** Origin equals the request's own origin: same scheme, host and port as the (checked) Host header. */
    private static boolean sameOrigin(String origin, HostPort own, String scheme) {
        if (own == null || origin.equals("null")) {
            return false;
        }
        URI u;
        try {
            u = new URI(origin);
        } catch (Exception e) {
            return false;
        }
        if (u.getScheme() == null || u.getHost() == null || u.getRawPath() != null && !u.getRawPath().isEmpty()
                || u.getRawUserInfo() != null || u.getRawQuery() != null) {
            return false;
        }
        String s = u.getScheme().toLowerCase(Locale.ROOT);
        int port = u.getPort() >= 0 ? u.getPort() : defaultPort(s);
        return s.equals(scheme == null ? "http" : scheme.toLowerCase(Locale.ROOT))
                && normalizeHost(u.getHost()).equals(own.host) && port == own.port;
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json");
    }

    private static int defaultPort(String scheme) {
        return "https".equals(scheme) ? 443 : 80;
    }

    /** Lower case, no brackets, no trailing dot; IP literals in canonical form (no DNS lookups). */
    static String normalizeHost(String h) {
        String s = h.toLowerCase(Locale.ROOT);
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (IPV4.matcher(s).matches()) {
            // parsed by hand: getByName would ask DNS for an invalid dotted quad such as 999.1.1.1
            StringBuilder b = new StringBuilder();
            for (String octet : s.split("\\.")) {
                int v = Integer.parseInt(octet);
                if (v > 255) {
                    return s;
                }
                b.append(b.length() == 0 ? "" : ".").append(v);
            }
            return b.toString();
        }
        if (s.contains(":")) {
            int zone = s.indexOf('%');
            String lit = zone >= 0 ? s.substring(0, zone) : s;
            if (lit.matches("[0-9a-f:.]+")) {
                try {
                    // with a ':' getByName only parses: an invalid IPv6 literal throws, DNS is never asked
                    return InetAddress.getByName(lit).getHostAddress().toLowerCase(Locale.ROOT)
                            .replaceFirst("^0:0:0:0:0:0:0:1$", "::1").replaceFirst("^0:0:0:0:0:0:0:0$", "::");
                } catch (UnknownHostException e) {
                    return s;
                }
            }
        }
        return s;
    }

    /** Client input fit to echo in an error message: at most 200 characters, no control characters, quotes or backslashes. */
    public static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("[\\x00-\\x1f\\x7f\"\\\\]", "?");
    }

    /** A Host header's host (normalized) and port (the scheme's default when absent). */
    private record HostPort(String host, int port) {
        static HostPort parse(String value, String scheme) {
            String host;
            String port = null;
            if (value.startsWith("[")) {
                int close = value.indexOf(']');
                if (close < 0) {
                    return null;
                }
                host = value.substring(0, close + 1);
                String rest = value.substring(close + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) {
                        return null;
                    }
                    port = rest.substring(1);
                }
            } else {
                int colon = value.indexOf(':');
                if (colon >= 0 && value.indexOf(':', colon + 1) >= 0) {
                    return null; // a bare IPv6 literal is not a valid Host
                }
                host = colon < 0 ? value : value.substring(0, colon);
                port = colon < 0 ? null : value.substring(colon + 1);
            }
            if (host.isEmpty() || host.chars().anyMatch(c -> c <= 0x20 || c == 0x7f || c == '/' || c == '@')) {
                return null;
            }
            int p;
            if (port == null || port.isEmpty()) {
                p = defaultPort(scheme == null ? "http" : scheme.toLowerCase(Locale.ROOT));
            } else {
                if (!port.matches("\\d{1,5}")) {
                    return null;
                }
                p = Integer.parseInt(port);
            }
            return new HostPort(normalizeHost(host), p);
        }
    }
}
