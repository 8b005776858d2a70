package dev.fleet.schema;

/** fleet's error entity: {@code {"error":{"code":STATUS,"message":TEXT}}}. */
public record ApiError(int code, String message) {
    public ApiError {
        message = message == null ? "" : message;
    }
}
