package dev.fleet.api.v1;

import dev.fleet.schema.PageTokens;

import java.util.List;

/**
 * fleet's paging token: URL-safe base64 of two little-endian uint16 values (limit, page); page 1 is implied
 * without a token. Example: limit 100, page 2 = {@code ZAACAA==}.
 */
public record PageToken(int limit, int page) {
    public static final int LIMIT = 100;

    public String encode() {
        return PageTokens.encode(limit, page);
    }

    /** Thrown with the 400 message fleet gives. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** The requested page from the query's nextPageToken values (none = page 1). */
    static PageToken fromQuery(List<String> values) throws Invalid {
        if (values == null || values.isEmpty()) {
            return new PageToken(LIMIT, 1);
        }
        if (values.size() > 1) {
            throw new Invalid("too many values for page token");
        }
        PageTokens.Token decoded;
        try {
            decoded = PageTokens.decode(values.get(0));
        } catch (IllegalArgumentException e) {
            throw new Invalid("invalid page token: " + e.getMessage());
        }
        PageToken t = new PageToken(decoded.limit(), decoded.page());
        if (t.limit != LIMIT) {
            throw new Invalid("token limit must be " + LIMIT);
        }
        if (t.page == 0) {
            throw new Invalid("token page must be greater than zero");
        }
        return t;
    }

    /** How many items come before this page. */
    int offset() {
        return (int) Math.min(Integer.MAX_VALUE, (long) (page - 1) * limit);
    }

    /** This page of {@code all}. */
    <T> List<T> slice(List<T> all) {
        long from = (long) (page - 1) * limit;
        if (from >= all.size()) {
            return List.of();
        }
        return all.subList((int) from, (int) Math.min(all.size(), from + limit));
    }

    /**
     * The token of the next page, or null when this page is the last. Unlike fleet, no empty page follows
     * when the total is an exact multiple of the limit.
     */
    String next(int total) {
        return (long) page * limit < total ? new PageToken(limit, page + 1).encode() : null;
    }
}
