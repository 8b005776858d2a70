package dev.fleet.api.etcd;

import dev.fleet.model.KeyPath;
import dev.fleet.node.NodeLimits;
import dev.fleet.store.Command;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * A parsed {@code /v2/keys} request: pure translation of method, raw path, raw query and form body into a
 * read, a watch or a replicated command — or an {@link ApiError}. No EE types, tested in milliseconds.
 */
public sealed interface KeysRequest permits KeysRequest.Read, KeysRequest.Watch, KeysRequest.Write, KeysRequest.Invalid {

    /** Largest value accepted by default ({@code limit_value_bytes}; README, Limits). */
    int MAX_VALUE_BYTES = NodeLimits.DEFAULTS.valueBytes();
    /** TTLs beyond ~68 years are refused (they would overflow the expiration). */
    long MAX_TTL_SECONDS = Integer.MAX_VALUE;

    String PREFIX = "/v2/keys";

    record Read(String key, boolean recursive, boolean sorted, boolean quorum) implements KeysRequest { }

    record Watch(String key, boolean recursive, long waitIndex) implements KeysRequest { }

    /** A write; the command is built with the submitting node's clock. */
    record Write(String method, LongFunction<Command> command) implements KeysRequest { }

    record Invalid(ApiError error) implements KeysRequest { }

    Set<String> GET_PARAMS = Set.of("recursive", "sorted", "wait", "waitIndex", "quorum", "stream");
    Set<String> PUT_PARAMS = Set.of("value", "ttl", "dir", "prevExist", "prevValue", "prevIndex", "refresh", "noValueOnSuccess");
    Set<String> POST_PARAMS = Set.of("value", "ttl", "dir", "noValueOnSuccess");
    Set<String> DELETE_PARAMS = Set.of("dir", "recursive", "prevValue", "prevIndex");

    static KeysRequest parse(String method, String rawPath, String rawQuery, String contentType, byte[] body) {
        return parse(method, rawPath, rawQuery, contentType, body, NodeLimits.DEFAULTS);
    }

    /** As above, with the node's limits on the body, the key (length, depth) and the value. */
    static KeysRequest parse(String method, String rawPath, String rawQuery, String contentType, byte[] body, NodeLimits limits) {
        try {
            return parseOrThrow(method.toUpperCase(Locale.ROOT), rawPath, rawQuery, contentType, body, limits);
        } catch (Failure f) {
            return new Invalid(f.error);
        }
    }

    private static KeysRequest parseOrThrow(String method, String rawPath, String rawQuery, String contentType, byte[] body,
                                            NodeLimits limits) throws Failure {
        if (!rawPath.startsWith(PREFIX)) {
            throw new Failure(ApiError.of(100, rawPath).withStatus(404));
        }
        String key = key(rawPath.substring(PREFIX.length()), limits);
        Map<String, String> params = RawParams.newMap();
        try {
            if (body != null && body.length > 0 && isForm(contentType)) {
                // BodyLimitFilter refuses it while streaming; this guards callers that hand a body in
                if (body.length > limits.bodyBytes()) {
                    throw new Failure(ApiError.tooLarge("request body is " + body.length + " bytes; the limit is "
                            + limits.bodyBytes() + " (limit_body_bytes)"));
                }
                RawParams.parse(RawParams.utf8(body), params);
            }
            RawParams.parse(rawQuery, params);
        } catch (RawParams.Malformed m) {
            throw new Failure(ApiError.of(ApiError.INVALID_FORM, m.getMessage()));
        }
        Set<String> allowed = switch (method) {
            case "GET", "HEAD" -> GET_PARAMS;
            case "PUT" -> PUT_PARAMS;
            case "POST" -> POST_PARAMS;
            case "DELETE" -> DELETE_PARAMS;
            default -> throw new Failure(new ApiError(405, ApiError.INVALID_FIELD, "Method Not Allowed", method));
        };
        for (String name : params.keySet()) {
            if (!allowed.contains(name)) {
                if (name.equals("wait") || name.equals("waitIndex")) {
                    throw new Failure(ApiError.invalidField("wait can only be used with GET requests"));
                }
                throw new Failure(ApiError.invalidField("unknown parameter \"" + name + "\" for " + method));
            }
        }
        if (isRegistry(key)) {
            // fleet's own state (units, schedules, presence with the agents' sessions, members) is internal: it changes
            // only through fleet's APIs and is not shown here (the registry reads and writes the store directly)
            if (method.equals("GET") || method.equals("HEAD")) {
                throw new Failure(ApiError.of(100, key));
            }
            throw new Failure(new ApiError(403, 107, "Root is read only", key + " is fleet's registry: not accessible through /v2/keys"));
        }
        Params p = new Params(params, limits.valueBytes());
        switch (method) {
            case "GET", "HEAD": {
                boolean recursive = p.bool("recursive");
                if (p.bool("stream")) {
                    throw new Failure(ApiError.invalidField("stream watches are not supported; use wait=true and re-watch from the next index"));
                }
                if (p.bool("wait")) {
                    long waitIndex = p.index("waitIndex", 0);
                    if (waitIndex > dev.fleet.api.WaitIndex.MAX) { // would overflow the store's index arithmetic
                        throw new Failure(ApiError.of(ApiError.INDEX_NAN, "\"waitIndex\" is larger than " + dev.fleet.api.WaitIndex.MAX));
                    }
                    return new Watch(key, recursive, waitIndex);
                }
                if (params.containsKey("waitIndex")) {
                    throw new Failure(ApiError.invalidField("waitIndex needs wait=true"));
                }
                return new Read(key, recursive, p.bool("sorted"), p.bool("quorum"));
            }
            case "PUT": {
                String value = p.value();
                Long ttl = p.ttl();
                boolean dir = p.bool("dir");
                boolean refresh = p.bool("refresh");
                Boolean prevExist = p.optionalBool("prevExist");
                String prevValue = p.prevValue();
                Long prevIndex = p.prevIndex();
                if (dir && value != null && !value.isEmpty()) {
                    throw new Failure(ApiError.invalidField("a directory cannot have a value"));
                }
                String v = dir ? null : (refresh ? value : (value == null ? "" : value));
                return new Write(method, t -> new Command.Put(t, key, v, dir, ttl, prevExist, prevValue, prevIndex, refresh));
            }
            case "POST": {
                String value = p.value();
                Long ttl = p.ttl();
                String v = value == null ? "" : value;
                return new Write(method, t -> new Command.Post(t, key, v, ttl));
            }
            default: { // DELETE
                boolean dir = p.bool("dir");
                boolean recursive = p.bool("recursive");
                String prevValue = p.prevValue();
                Long prevIndex = p.prevIndex();
                return new Write(method, t -> new Command.Delete(t, key, dir, recursive, prevValue, prevIndex));
            }
        }
    }

    /** The hidden directory that holds fleet's registry (see docs/registry.md). */
    static final String REGISTRY = "/_fleet";

    /** {@code /_fleet} or a key below it (keys are case-sensitive and already normalized). */
    static boolean isRegistry(String key) {
        return key.equals(REGISTRY) || key.startsWith(REGISTRY + "/");
    }

    private static boolean isForm(String contentType) {
        return contentType == null || contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    /** Decodes and validates the key part of the path; never trusted as anything but a key. */
    private static String key(String rawKey, NodeLimits limits) throws Failure {
        String decoded;
        try {
            decoded = RawParams.decode(rawKey, false);
        } catch (RawParams.Malformed m) {
            throw new Failure(ApiError.invalidField("key " + m.getMessage()));
        }
        String key;
        try {
            key = KeyPath.normalize(decoded);
        } catch (IllegalArgumentException e) {
            throw new Failure(ApiError.invalidField(e.getMessage()));
        }
        if (key.length() > limits.keyLength()) {
            throw new Failure(ApiError.invalidField("key is " + key.length() + " characters; the limit is "
                    + limits.keyLength() + " (limit_key_length)"));
        }
        int depth = KeyPath.depth(key);
        if (depth > limits.keyDepth()) {
            throw new Failure(ApiError.invalidField("key has " + depth + " segments; the limit is " + limits.keyDepth()
                    + " (limit_key_depth)"));
        }
        return key;
    }

    /** Typed access to the parameters with etcd's error codes. */
    final class Params {
        private final Map<String, String> raw;
        private final int maxValueBytes;

        Params(Map<String, String> raw, int maxValueBytes) {
            this.raw = raw;
            this.maxValueBytes = maxValueBytes;
        }

        boolean bool(String name) throws Failure {
            Boolean b = optionalBool(name);
            return b != null && b;
        }

        /** Go's strconv.ParseBool, which etcd uses. */
        Boolean optionalBool(String name) throws Failure {
            String v = raw.get(name);
            if (v == null) {
                return null;
            }
            switch (v) {
                case "1", "t", "T", "true", "TRUE", "True": return true;
                case "0", "f", "F", "false", "FALSE", "False": return false;
                default: throw new Failure(ApiError.invalidField("invalid value for \"" + name + "\""));
            }
        }

        long index(String name, long def) throws Failure {
            String v = raw.get(name);
            if (v == null) {
                return def;
            }
            try {
                long l = Long.parseLong(v);
                if (l < 0) {
                    throw new NumberFormatException();
                }
                return l;
            } catch (NumberFormatException e) {
                throw new Failure(ApiError.of(ApiError.INDEX_NAN, "invalid value for \"" + name + "\""));
            }
        }

        Long ttl() throws Failure {
            String v = raw.get("ttl");
            if (v == null || v.isEmpty()) {
                return null;
            }
            try {
                long l = Long.parseLong(v);
                if (l < 0 || l > MAX_TTL_SECONDS) {
                    throw new NumberFormatException();
                }
                return l == 0 ? null : l;
            } catch (NumberFormatException e) {
                throw new Failure(ApiError.of(ApiError.TTL_NAN, "invalid value for \"ttl\""));
            }
        }

        String value() throws Failure {
            String v = raw.get("value");
            if (v != null && v.length() > maxValueBytes / 3 && v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxValueBytes) {
                throw new Failure(ApiError.tooLarge("value is larger than the limit of " + maxValueBytes
                        + " bytes (limit_value_bytes)"));
            }
            return v;
        }

        /** prevIndex, or null when absent or 0 (etcd treats prevIndex=0 as unset). */
        Long prevIndex() throws Failure {
            long i = index("prevIndex", 0);
            return i == 0 ? null : i;
        }

        String prevValue() throws Failure {
            String v = raw.get("prevValue");
            if (v != null && v.isEmpty()) {
                throw new Failure(ApiError.of(ApiError.PREV_VALUE_REQUIRED, "\"prevValue\" cannot be empty"));
            }
            return v;
        }
    }

    final class Failure extends Exception {
        final ApiError error;

        Failure(ApiError error) {
            super(error.cause(), null, false, false);
            this.error = error;
        }
    }
}
