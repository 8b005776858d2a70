package dev.fleet.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One JSON request/answer over {@link HttpURLConnection}, shared by fleetctl and the agent. Not the JDK's HttpClient:
 * that one costs about 250 ms to bootstrap (its whole stack and a selector thread), a third of a fleetctl run, and
 * more memory in the agent; this needs a few classes the JDK's class-data archive already holds.
 */
public final class JsonHttp {
    private JsonHttp() {
    }

    /**
     * How a client proves who it is to a secured node: TLS sockets that present its certificate ({@code tls}, null: the
     * JDK's) and a bearer token ({@code bearer}, null: none). The token is sent over https only: a plain-HTTP node
     * authenticates nobody, and the token must not cross a network in clear.
     */
    public record Credentials(javax.net.ssl.SSLSocketFactory tls, String bearer) {
        public static final Credentials NONE = new Credentials(null, null);

        public Credentials withTls(javax.net.ssl.SSLSocketFactory f) {
            return new Credentials(f, bearer);
        }

        public Credentials withBearer(String token) {
            return new Credentials(tls, token == null || token.isBlank() ? null : token.strip());
        }

        @Override
        public String toString() {
            return "Credentials[tls=" + (tls != null) + ", bearer=" + (bearer != null) + "]"; // never the token
        }
    }

    /** An answer: the status and the body as text (the error body for 4xx/5xx; empty when there is none). */
    public record Answer(int status, String body) {
    }

    /** Sends {@code jsonBody} (null: none) with {@code method}; redirects are not followed. */
    public static Answer exchange(URI uri, String method, String jsonBody, int connectMillis, int readMillis) throws IOException {
        return exchange(uri, method, jsonBody, connectMillis, readMillis, Credentials.NONE);
    }

    /** As {@link #exchange(URI, String, String, int, int)}, with {@code credentials} for {@code https}. */
    public static Answer exchange(URI uri, String method, String jsonBody, int connectMillis, int readMillis,
                                  Credentials credentials) throws IOException {
        return exchange(uri, method, jsonBody, connectMillis, readMillis, credentials, Long.MAX_VALUE);
    }

    /**
     * An answer's body was longer than the caller allows: it was not read further (the connection is dropped). Not an
     * {@link IOException}: another node would send the same data, so it is not a reason to fail over.
     */
    public static final class TooLarge extends RuntimeException {
        private final long limit;

        public TooLarge(URI uri, long limit) {
            super("the answer of " + uri.getHost() + ":" + uri.getPort() + uri.getPath() + " is larger than " + limit + " bytes");
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }

    /** As above, reading at most {@code maxBytes} of the body; a longer one is a {@link TooLarge}. */
    public static Answer exchange(URI uri, String method, String jsonBody, int connectMillis, int readMillis,
                                  Credentials credentials, long maxBytes) throws IOException {
        HttpURLConnection c = open(uri, credentials);
        c.setConnectTimeout(connectMillis);
        c.setReadTimeout(readMillis);
        c.setInstanceFollowRedirects(false);
        c.setRequestMethod(method);
        c.setRequestProperty("Accept", "application/json");
        if (jsonBody != null) {
            byte[] bytes = jsonBody.getBytes(StandardCharsets.UTF_8);
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.setFixedLengthStreamingMode(bytes.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(bytes);
            }
        }
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String body = "";
        if (in != null) {
            try (in) {
                body = maxBytes == Long.MAX_VALUE ? new String(in.readAllBytes(), StandardCharsets.UTF_8) : readAtMost(c, in, uri, maxBytes);
            }
        }
        return new Answer(status, body);
    }

    /** The body, refused as soon as it is known to be over {@code max} bytes: a declared length, or the bytes read so far. */
    private static String readAtMost(HttpURLConnection c, InputStream in, URI uri, long max) throws IOException {
        long declared = c.getContentLengthLong();
        if (declared > max) {
            c.disconnect();
            throw new TooLarge(uri, max);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) Math.min(Math.max(declared, 8192), max));
        byte[] buf = new byte[8192];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
            if (total > max) {
                c.disconnect(); // an endless body is not drained
                throw new TooLarge(uri, max);
            }
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A connection to {@code uri}; an https one uses the credentials' sockets and token when given. */
    public static HttpURLConnection open(URI uri, Credentials credentials) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        if (c instanceof javax.net.ssl.HttpsURLConnection https) {
            if (credentials.tls() != null) {
                https.setSSLSocketFactory(credentials.tls());
            }
            if (credentials.bearer() != null) {
                https.setRequestProperty("Authorization", "Bearer " + credentials.bearer());
            }
        }
        return c;
    }
}
