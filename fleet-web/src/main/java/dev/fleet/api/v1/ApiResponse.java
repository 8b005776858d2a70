package dev.fleet.api.v1;

import static dev.fleet.json.Jsonp.JSON;

import jakarta.json.JsonValue;

/** A response of fleet's API: status, JSON body (null = none) and whether to send the JSON content type anyway. */
public record ApiResponse(int status, String body, boolean jsonType) {

    static ApiResponse json(int status, JsonValue body) {
        return new ApiResponse(status, body.toString(), true);
    }

    static ApiResponse empty(int status) {
        return new ApiResponse(status, null, false);
    }

    /** fleet's error entity: {"error":{"code":STATUS,"message":TEXT}}. */
    static ApiResponse error(int status, String message) {
        return json(status, JSON.createObjectBuilder().add("error",
                JSON.createObjectBuilder().add("code", status).add("message", message == null ? "" : message)).build());
    }
}
