package dev.fleet.api.audit;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.spi.JsonProvider;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The node's audit trail: an append-only JSON-lines file {@code DIR/audit.log}, one object per recorded call:
 * {@code {"time":"2026-12-03T13:37:06.123Z","node":"n1","who":"client:alice(operate)","method":"PUT",
 * "path":"/v2/keys/a?value=1","status":201,"remote":"10.0.0.7"}}.
 *
 * <p>Lines are written with JSON-P, so no value (quotes, newlines, control characters) can break a line. Each record
 * is one {@code write} of the whole line straight to the file (no buffer in the JVM): once {@link #append} returns,
 * the line is in the operating system's hands and survives a crash of the process and a restart. It is not forced to
 * the disk ({@code fsync}) line by line, so a power cut or kernel crash may lose the last records.
 *
 * <p>Bounded: when a write would take the file past its size limit (64 MiB by default), the file is renamed
 * {@code audit.log.1} (replacing the older one) and a new {@code audit.log} begins, so at most twice the limit is kept.
 *
 * <p>{@link #tail} reads backwards from the end of the file(s) in small chunks: a 64 MiB file is never loaded whole.
 * A line without its newline (a write torn by a crash) and any line that is not a JSON object are skipped. Thread-safe:
 * appends, rotation and reads are serialised on the instance.
 */
public final class AuditLog implements Closeable {
    public static final String FILE = "audit.log";
    public static final String ROTATED = "audit.log.1";
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    /** Longest path (with its query) recorded, in chars; a longer one is cut and ends with "…". */
    public static final int MAX_PATH = 1024;
    /** A line longer than this is not a record of ours: tail skips it without holding it in memory. */
    static final int MAX_LINE = 64 * 1024;
    private static final int CHUNK = 16 * 1024;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final JsonProvider JSON = JsonProvider.provider();

    private final Path dir;
    private final Path file;
    private final Path rotated;
    private final String node;
    private final long maxBytes;
    private final Clock clock;

    private FileChannel out; // null: not open (yet, or after a failed write)
    private long size;
    private boolean closed;

    public AuditLog(Path dir, String node) {
        this(dir, node, DEFAULT_MAX_BYTES, Clock.systemUTC());
    }

    public AuditLog(Path dir, String node, long maxBytes) {
        this(dir, node, maxBytes, Clock.systemUTC());
    }

    public AuditLog(Path dir, String node, long maxBytes, Clock clock) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        this.dir = Objects.requireNonNull(dir, "dir");
        this.file = dir.resolve(FILE);
        this.rotated = dir.resolve(ROTATED);
        this.node = node == null ? "" : node;
        this.maxBytes = maxBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The current file ({@code DIR/audit.log}). */
    public Path file() {
        return file;
    }

    /**
     * Records one call; the line is with the operating system when this returns.
     *
     * @param who    the caller's identity ({@code client:alice(operate)}, {@code anonymous}, ...); null: "anonymous"
     * @param method the HTTP method
     * @param path   the request's path with its query string; cut to {@link #MAX_PATH} chars
     * @param status the response's status
     * @param remote the client's address
     * @throws IOException if the file cannot be written (the next call tries to open it again)
     */
    public synchronized void append(String who, String method, String path, int status, String remote) throws IOException {
        if (closed) {
            throw new IOException("audit log closed");
        }
        byte[] line = line(who, method, path, status, remote);
        try {
            if (out == null) {
                open();
            }
            if (size > 0 && size + line.length > maxBytes) {
                rotate();
            }
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                out.write(b);
            }
            size += line.length;
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** The line of one record (with its newline). */
    byte[] line(String who, String method, String path, int status, String remote) {
        String json = JSON.createObjectBuilder()
                .add("time", TIME.format(clock.instant()))
                .add("node", node)
                .add("who", who == null ? "anonymous" : who)
                .add("method", method == null ? "" : method)
                .add("path", truncate(path == null ? "" : path))
                .add("status", status)
                .add("remote", remote == null ? "" : remote)
                .build().toString();
        return (json + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** At most {@link #MAX_PATH} chars, the last one "…" when cut (never half of a surrogate pair). */
    static String truncate(String path) {
        if (path.length() <= MAX_PATH) {
            return path;
        }
        int cut = MAX_PATH - 1;
        if (Character.isHighSurrogate(path.charAt(cut - 1))) {
            cut--;
        }
        return path.substring(0, cut) + "…";
    }

    private void open() throws IOException {
        Files.createDirectories(dir);
        boolean torn = endsTorn(file); // a write torn by a crash: end that line, so the next record starts its own
        FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        try {
            if (torn) {
                c.write(ByteBuffer.wrap(new byte[] {'\n'}));
            }
            out = c;
            size = c.size();
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Whether the file exists, is not empty, and does not end with a newline. */
    private static boolean endsTorn(Path f) throws IOException {
        try (FileChannel c = FileChannel.open(f, StandardOpenOption.READ)) {
            long s = c.size();
            ByteBuffer last = ByteBuffer.allocate(1);
            return s > 0 && c.read(last, s - 1) == 1 && last.get(0) != '\n';
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        try {
            Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    /**
     * The newest records, newest last: from {@code audit.log}, then (when it holds fewer than asked) from
     * {@code audit.log.1}.
     *
     * @param limit how many at most (0 or less: none)
     */
    public synchronized List<JsonObject> tail(int limit) throws IOException {
        ArrayDeque<JsonObject> found = new ArrayDeque<>();
        if (limit <= 0) {
            return List.of();
        }
        readBackwards(file, limit, found);
        if (found.size() < limit) {
            readBackwards(rotated, limit, found);
        }
        return new ArrayList<>(found);
    }

    /** Adds the file's last records to the front of {@code found} until it holds {@code limit}. */
    private static void readBackwards(Path f, int limit, ArrayDeque<JsonObject> found) throws IOException {
        FileChannel c;
        try {
            c = FileChannel.open(f, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return;
        }
        try (c) {
            long pos = c.size();
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            // the bytes after the last newline are a torn (or still being written) line: never a record
            boolean torn = true;
            boolean skipping = false; // the line being gathered is too long: dropped, not kept
            ByteArrayOutputStream pending = new ByteArrayOutputStream(); // reversed bytes of the line being gathered
            while (pos > 0 && found.size() < limit) {
                int n = (int) Math.min(CHUNK, pos);
                pos -= n;
                buf.clear().limit(n);
                while (buf.hasRemaining()) {
                    if (c.read(buf, pos + buf.position()) < 0) {
                        throw new IOException("audit file shrank while read: " + f);
                    }
                }
                byte[] a = buf.array();
                for (int i = n - 1; i >= 0 && found.size() < limit; i--) {
                    if (a[i] == '\n') {
                        if (!torn && !skipping) {
                            emit(pending, found);
                        }
                        torn = false;
                        skipping = false;
                        pending.reset();
                    } else if (!torn && !skipping) {
                        pending.write(a[i]);
                        if (pending.size() > MAX_LINE) {
                            skipping = true;
                            pending.reset();
                        }
                    }
                }
            }
            if (pos == 0 && !torn && !skipping && found.size() < limit) {
                emit(pending, found); // the file's first line
            }
        }
    }

    private static void emit(ByteArrayOutputStream reversed, ArrayDeque<JsonObject> found) {
        if (reversed.size() == 0) {
            return;
        }
        byte[] r = reversed.toByteArray();
        for (int i = 0, j = r.length - 1; i < j; i++, j--) {
            byte t = r[i];
            r[i] = r[j];
            r[j] = t;
        }
        JsonObject o = parse(new String(r, StandardCharsets.UTF_8));
        if (o != null) {
            found.addFirst(o);
        }
    }

    private static JsonObject parse(String line) {
        try (JsonReader r = JSON.createReader(new StringReader(line))) {
            return r.readObject();
        } catch (RuntimeException e) { // not a record: skipped
            return null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeQuietly();
    }

    private void closeQuietly() {
        FileChannel c = out;
        out = null;
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing more to lose
            }
        }
    }
}
