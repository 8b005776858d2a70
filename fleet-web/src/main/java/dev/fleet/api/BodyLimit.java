package dev.fleet.api;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The request body limit ({@code limit_body_bytes}), pure: a declared Content-Length over it is refused before a byte
 * is read, and a body without one (chunked) is counted as it is read and refused the moment it passes the limit, so a
 * node never buffers more than the limit plus one read. {@link BodyLimitFilter} applies it to every request.
 */
public final class BodyLimit {
    private BodyLimit() { }

    /** Thrown by a {@link Counted} stream once more than the limit was read; unchecked, so it crosses JAX-RS readers. */
    public static final class TooLarge extends RuntimeException {
        public TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    /** The refusal of a declared length over the limit, or null when it fits (or none was declared: -1). */
    public static String declared(long contentLength, long limit) {
        return contentLength > limit ? message("is " + contentLength + " bytes", limit) : null;
    }

    static String message(String what, long limit) {
        return "request body " + what + "; the limit is " + limit + " bytes (limit_body_bytes)";
    }

    /** Finds a {@link TooLarge} in a failure's causes (JAX-RS and the container wrap it), or null. */
    public static TooLarge in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof TooLarge tl) {
                return tl;
            }
        }
        return null;
    }

    /** Counts what is read through it; past the limit every read throws {@link TooLarge}. */
    public static final class Counted extends FilterInputStream {
        private final long limit;
        private long count;
        private volatile TooLarge tripped;

        public Counted(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        /** Bytes read so far. */
        public long count() {
            return count;
        }

        /** The refusal once the limit was passed, else null. */
        public TooLarge tripped() {
            return tripped;
        }

        @Override
        public int read() throws IOException {
            check();
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            // never ask for more than one byte past the limit: that byte is enough to know
            int n = super.read(b, off, (int) Math.min(len, limit + 1 - count));
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            check();
            long s = super.skip(Math.min(n, limit + 1 - count));
            counted(s);
            return s;
        }

        private void check() {
            if (tripped != null) {
                throw tripped;
            }
        }

        private void counted(long n) {
            count += n;
            if (count > limit) {
                tripped = new TooLarge(message("is larger than " + limit + " bytes", limit));
                throw tripped;
            }
        }
    }
}
