package dev.fleet.api.v1;

import dev.fleet.schema.PageTokens;

import java.util.List;

/**
 * fleet's paging token: URL-safe base64 of two little-endian uint16 values (limit, page); page 1 is implied
 * without a token. Example: limit 100, page 2 = {@code ZAACAA==}. The limit is the node's {@code token_limit}
 * (100 unless configured); a token with another limit is refused, as fleet does.
 */
public record PageToken(int limit, int page) {
    /** fleet's default {@code token_limit}. */
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

    /** The requested page from the query's nextPageToken values (none = page 1), at the default limit. */
    static PageToken fromQuery(List<String> values) throws Invalid {
        return fromQuery(values, LIMIT);
    }

    /** The requested page from the query's nextPageToken values (none = page 1), for a server whose limit is {@code limit}. */
    static PageToken fromQuery(List<String> values, int limit) throws Invalid {
        if (values == null || values.isEmpty()) {
            return new PageToken(limit, 1);
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
        if (t.limit != limit) {
            throw new Invalid("token limit must be " + limit);
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
