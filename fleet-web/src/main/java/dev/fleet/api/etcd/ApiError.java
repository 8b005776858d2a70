package dev.fleet.api.etcd;

import dev.fleet.store.StoreError;

import java.util.Map;

/** An etcd v2 error as the HTTP API returns it: status, errorCode, etcd's message text, cause. */
public record ApiError(int status, int errorCode, String message, String cause) {
    /** etcd v2's EcodeUnauthorized: its auth errors (we answer 401 without an identity, 403 without the role). */
    public static final int UNAUTHORIZED = 110;
    public static final int VALUE_REQUIRED = 200;
    public static final int PREV_VALUE_REQUIRED = 201;
    public static final int TTL_NAN = 202;
    public static final int INDEX_NAN = 203;
    public static final int INVALID_FIELD = 209;
    public static final int INVALID_FORM = 210;
    public static final int RAFT_INTERNAL = 300;
    public static final int LEADER_ELECT = 301;

    private static final Map<Integer, String> MESSAGES = Map.ofEntries(
            Map.entry(100, "Key not found"), Map.entry(101, "Compare failed"), Map.entry(102, "Not a file"),
            Map.entry(104, "Not a directory"), Map.entry(105, "Key already exists"), Map.entry(107, "Root is read only"),
            Map.entry(108, "Directory not empty"), Map.entry(VALUE_REQUIRED, "Value is Required in POST form"),
            Map.entry(PREV_VALUE_REQUIRED, "PrevValue is Required in POST form"),
            Map.entry(TTL_NAN, "The given TTL in POST form is not a number"),
            Map.entry(INDEX_NAN, "The given index in POST form is not a number"),
            Map.entry(INVALID_FIELD, "Invalid field"), Map.entry(INVALID_FORM, "Invalid POST form"),
            Map.entry(211, "Value provided on refresh"), Map.entry(212, "A TTL must be provided on refresh"),
            Map.entry(RAFT_INTERNAL, "Raft Internal Error"), Map.entry(LEADER_ELECT, "During Leader Election"),
            Map.entry(400, "watcher is cleared due to etcd recovery"),
            Map.entry(401, "The event in requested index is outdated and cleared"));

    /** etcd's status mapping: anything not listed is 400. */
    private static final Map<Integer, Integer> STATUS = Map.of(
            100, 404, 101, 412, 102, 403, 105, 412, 108, 403, RAFT_INTERNAL, 500, LEADER_ELECT, 500);

    public static ApiError of(int errorCode, String cause) {
        return new ApiError(STATUS.getOrDefault(errorCode, 400), errorCode, MESSAGES.getOrDefault(errorCode, "Error"), cause);
    }

    public static ApiError of(StoreError e) {
        return new ApiError(STATUS.getOrDefault(e.errorCode(), 400), e.errorCode(), e.message(), e.cause());
    }

    public static ApiError invalidField(String cause) {
        return of(INVALID_FIELD, cause);
    }

    /** 413: a value or body over the documented limit, with etcd's error shape. */
    public static ApiError tooLarge(String cause) {
        return new ApiError(413, INVALID_FIELD, "Invalid field", cause);
    }

    public ApiError withStatus(int newStatus) {
        return new ApiError(newStatus, errorCode, message, cause);
    }
}
