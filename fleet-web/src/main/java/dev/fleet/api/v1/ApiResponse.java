package dev.fleet.api.v1;

import dev.fleet.schema.ApiError;
import dev.fleet.schema.Codec;

/** A response of fleet's API: status, JSON body (null = none) and whether to send the JSON content type anyway. */
public record ApiResponse(int status, String body, boolean jsonType) {

    static ApiResponse json(int status, String body) {
        return new ApiResponse(status, body, true);
    }

    static ApiResponse empty(int status) {
        return new ApiResponse(status, null, false);
    }

    /** fleet's error entity: {"error":{"code":STATUS,"message":TEXT}}. */
    static ApiResponse error(int status, String message) {
        return json(status, Codec.error(new ApiError(status, message)));
    }
}
