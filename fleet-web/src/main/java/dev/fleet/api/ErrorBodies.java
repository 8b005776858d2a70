package dev.fleet.api;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.api.etcd.ApiError;
import dev.fleet.api.etcd.EtcdJson;
import dev.fleet.schema.Codec;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * The error body of any status for any path, in the JSON of the API the path belongs to ({@link RequestGuard#api}):
 * fleet's {@code {"error":{"code":N,"message":...}}}, etcd's members {@code {"message":...}}, etcd's keys
 * {@code {"errorCode":N,"message":...,"cause":...,"index":N}}. Pure: shared by {@link ErrorMapping} (JAX-RS) and
 * {@link ErrorPageServlet} (the container's error pages), so both answer alike.
 */
public final class ErrorBodies {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_ECHO = 200;

    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(403, "Forbidden"),
            Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"), Map.entry(406, "Not Acceptable"),
            Map.entry(408, "Request Timeout"), Map.entry(409, "Conflict"), Map.entry(411, "Length Required"),
            Map.entry(413, "Payload Too Large"), Map.entry(414, "URI Too Long"), Map.entry(415, "Unsupported Media Type"),
            Map.entry(421, "Misdirected Request"), Map.entry(429, "Too Many Requests"),
            Map.entry(431, "Request Header Fields Too Large"), Map.entry(500, "Internal Server Error"),
            Map.entry(501, "Not Implemented"), Map.entry(503, "Service Unavailable"));

    private ErrorBodies() { }

    /** An error answer: status, body bytes (always {@code application/json}). */
    public record Body(int status, RequestGuard.Api api, byte[] bytes) { }

    /** {@code index}: the store index for etcd's keys shape (and its X-Etcd-Index header); ignored by the others. */
    public static Body of(String path, int status, String message, long index) {
        RequestGuard.Api api = RequestGuard.api(path);
        byte[] bytes = switch (api) {
            case FLEET -> Codec.error(new dev.fleet.schema.ApiError(status, message)).getBytes(StandardCharsets.UTF_8);
            case ETCD_MEMBERS -> JSON.createObjectBuilder().add("message", message).build().toString()
                    .getBytes(StandardCharsets.UTF_8);
            case ETCD -> EtcdJson.error(new ApiError(status, status >= 500 ? ApiError.RAFT_INTERNAL : ApiError.INVALID_FIELD,
                    reason(status), message), index);
        };
        return new Body(status, api, bytes);
    }

    /** A client's mistake the resources never saw (no route, wrong method, bad media type...): a message that says which. */
    public static String clientMessage(int status, String method, String path) {
        String where = printable(method) + " " + printable(path);
        return switch (status) {
            case 404 -> "no such resource: " + where;
            case 405 -> "method not allowed: " + where;
            case 406 -> "cannot answer in the media type asked for (Accept): " + where;
            case 413 -> "request too large: " + where;
            case 414 -> "request URI too long";
            case 415 -> "unsupported Content-Type for " + where;
            case 400 -> "malformed request: " + where;
            default -> reason(status) + ": " + where;
        };
    }

    /** The message of a server-side failure: only the id that ties it to the log line, never the exception's text. */
    public static String serverMessage(String errorId) {
        return "internal error, error id " + errorId + " (see the node's log)";
    }

    /** Short and random: unique enough to find the one log line it names. */
    public static String newErrorId() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The path below the context root: {@code rawPath} of the request without {@code contextPath}. */
    public static String pathBelow(String contextPath, String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String ctx = contextPath == null ? "" : contextPath.replaceAll("/+$", "");
        String p = !ctx.isEmpty() && rawPath.startsWith(ctx) ? rawPath.substring(ctx.length()) : rawPath;
        return p.startsWith("/") ? p : "/" + p;
    }

    public static String reason(int status) {
        return REASONS.getOrDefault(status, status >= 500 ? "Server Error" : "Client Error");
    }

    /** Echoed client input: bounded, no control characters (it ends up in JSON and in logs). */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        String t = s.length() > MAX_ECHO ? s.substring(0, MAX_ECHO) + "..." : s;
        return t.replaceAll("[\\x00-\\x1f\\x7f]", "?");
    }
}
