package dev.fleet.schema;

import java.util.List;

/** One page of an API v1 listing; {@code nextPageToken} null on the last page. */
public record Page<T>(List<T> items, String nextPageToken) {
    public Page {
        items = List.copyOf(items);
    }
}
