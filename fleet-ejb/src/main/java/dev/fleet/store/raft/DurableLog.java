package dev.fleet.store.raft;

import org.jgroups.Address;
import org.jgroups.protocols.raft.Log;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.Util;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ObjLongConsumer;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The RAFT log on disk: an append-only file of checksummed records, fsync'd on every append, plus a small
 * metadata file (term, vote, first index) and the snapshot. All entries are also kept in memory (the log
 * is compacted by snapshots every {@code max_log_size} bytes of entries, so it stays small).
 *
 * <p>Why our own: JGroups-RAFT 1.1.4's FileBasedLog throws IllegalStateException when a follower is sent
 * entries it already has (a resend), after which that follower never advances again. This log makes an
 * append of entries already present (same index, same term) a no-op and replaces a conflicting suffix, as
 * RAFT's "AppendEntries" rule says.
 *
 * <p>Damage is never silent: each record carries a CRC32, the metadata file and the snapshot a CRC32C. Only
 * a torn last record (a crash mid-write: nothing valid follows it) is dropped on load, since it was never
 * acknowledged; a bad record with a valid one after it, bad metadata or a bad snapshot make {@link #init}
 * throw {@link CorruptLogException} naming the file and byte offset (recovery: docs/store.md).
 */
public final class DurableLog implements Log {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(DurableLog.class.getName());
    private static final int RECORD_OVERHEAD = 4 + 8 + 8 + 1 + 4; // length, index, term, internal, crc
    /**
     * The entries file grows in zero-filled chunks, like etcd's preallocated WAL: an fdatasync of a write
     * inside the file flushes data only, while one that grows the file also commits the file system's
     * journal, which on a shared disk costs milliseconds.
     */
    static final int PREALLOCATE_BYTES = 4 * 1024 * 1024;

    private Path dir;
    private FileChannel entriesFile;
    private boolean fsync = true;

    private long currentTerm;
    private Address votedFor;
    private long commitIndex;
    /**
     * RAFT's "first appended": 0 for a log never compacted (entries then start at 1), else the index of the
     * entry a snapshot ended with, which stays in the log (as JGroups-RAFT's own logs do).
     */
    private long first;
    private long last;
    private final List<LogEntry> entries = new ArrayList<>();
    /** File offset of each in-memory entry, for tail truncation. */
    private final List<Long> offsets = new ArrayList<>();
    private long bytes;
    /** End of the last valid record; the file is longer (zeros). */
    private long end;
    private volatile Runnable onCommit = () -> { };

    /** Runs (on RAFT's thread, keep it cheap) each time the commit index advances. */
    public void onCommit(Runnable listener) {
        onCommit = listener;
    }

    @Override
    public synchronized void init(String logName, Map<String, String> args) throws Exception {
        dir = Path.of(logName);
        Files.createDirectories(dir);
        readMeta();
        readSnapshot(); // refuse a damaged snapshot now, with the file's name, not later inside RAFT
        entriesFile = FileChannel.open(dir.resolve("entries"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        load();
    }

    /**
     * Opens the log in {@code logDir} if there is one and closes it again: throws {@link CorruptLogException}
     * (or another IOException) for a log that would refuse to open, and cuts off a torn last record.
     */
    public static void check(Path logDir) throws Exception {
        if (Files.isDirectory(logDir)) {
            DurableLog log = new DurableLog();
            log.init(logDir.toString(), Map.of());
            log.close();
        }
    }

    /** "FLEETMET": the metadata file starts with it and ends with a CRC32C of everything before. */
    static final long META_MAGIC = 0x464c4545_544d4554L;

    /**
     * Term, vote, first index and commit index. A damaged file is refused: a wrong term or vote could let this
     * member vote twice in a term. The former format (the same fields without magic and checksum) is still
     * read if it is exactly that; the next write replaces it.
     */
    private void readMeta() throws IOException {
        Path meta = dir.resolve("meta");
        if (!Files.exists(meta)) {
            return;
        }
        byte[] bytes = Files.readAllBytes(meta);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        boolean checked = bytes.length >= 8 + 4 && buf.getLong(0) == META_MAGIC;
        int from = checked ? 8 : 0;
        int to = checked ? bytes.length - 4 : bytes.length;
        if (checked) {
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, to);
            if ((int) crc.getValue() != buf.getInt(to)) {
                throw new CorruptLogException(meta, 0, "the RAFT metadata (term, vote) fails its CRC32C checksum");
            }
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, from, to - from))) {
            currentTerm = in.readLong();
            first = in.readLong();
            commitIndex = in.readLong();
            votedFor = Util.readAddress(in);
            if (in.available() != 0) {
                throw new IOException(in.available() + " bytes too many");
            }
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new CorruptLogException(meta, 0, "the RAFT metadata (term, vote) cannot be read (" + e + ")");
        }
        last = first;
    }

    /** A record as read from the file: its entry, where it starts and where the next one starts. */
    private record Record(long index, LogEntry entry, long offset, long next) { }

    /**
     * Replays the entries file. A record that is incomplete or fails its checksum is a torn write only if it
     * is the last thing in the file (nothing valid follows it): that append was never acknowledged, so it is
     * cut off. Anywhere else it is damage to acknowledged entries, and the log refuses to open
     * ({@link CorruptLogException}) rather than silently drop them and everything after.
     */
    private void load() throws IOException {
        long size = entriesFile.size();
        long pos = 0;
        Record r;
        while ((r = readRecord(pos, size)) != null) {
            if (r.index() >= start() && r.index() <= (entries.isEmpty() ? start() : last + 1)) {
                dropFrom(r.index()); // a later record for an index replaces the earlier one
                addInMemory(r.index(), r.entry(), pos);
            }
            pos = r.next();
        }
        long lastNonZero = lastNonZeroByte(pos, size);
        if (lastNonZero >= pos) {
            long valid = firstValidRecordAfter(pos, lastNonZero, size);
            if (valid >= 0) {
                throw new CorruptLogException(dir.resolve("entries"), pos, valid);
            }
            long torn = pos;
            LOG.warning(() -> "RAFT log " + dir.resolve("entries") + ": dropping a torn last record at byte offset "
                    + torn + " (" + (lastNonZero + 1 - torn) + " bytes, a write interrupted by a crash; never acknowledged)");
        }
        end = pos;
        zero(end, lastNonZero + 1); // a torn record, or records of a replaced tail: never to be read again
        commitIndex = Math.min(commitIndex, last);
    }

    /** The record at {@code pos}, or null if there is none (zeros) or it is incomplete or fails its checksum. */
    private Record readRecord(long pos, long size) throws IOException {
        if (pos + 4 > size) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(4);
        readFully(header, pos);
        int len = header.flip().getInt();
        if (len < RECORD_OVERHEAD - 4 || len > size - pos - 4) {
            return null;
        }
        ByteBuffer rec = ByteBuffer.allocate(len);
        readFully(rec, pos + 4);
        rec.flip();
        CRC32 crc = new CRC32();
        crc.update(rec.array(), 0, len - 4);
        if ((int) crc.getValue() != rec.getInt(len - 4)) {
            return null;
        }
        long index = rec.getLong();
        long term = rec.getLong();
        boolean internal = rec.get() != 0;
        byte[] data = new byte[len - (RECORD_OVERHEAD - 4)];
        rec.get(data);
        return new Record(index, new LogEntry(term, data, 0, data.length, internal), pos, pos + 4 + len);
    }

    private void readFully(ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            if (entriesFile.read(buf, pos + buf.position()) < 0) {
                throw new IOException("unexpected end of " + dir.resolve("entries"));
            }
        }
    }

    /** The offset of the last non-zero byte in [from, size), or from - 1 if they are all zeros (preallocated). */
    private long lastNonZeroByte(long from, long size) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        for (long chunkEnd = size; chunkEnd > from; ) {
            long chunkStart = Math.max(from, chunkEnd - chunk.capacity());
            chunk.clear().limit((int) (chunkEnd - chunkStart));
            readFully(chunk, chunkStart);
            for (int i = chunk.limit() - 1; i >= 0; i--) {
                if (chunk.get(i) != 0) {
                    return chunkStart + i;
                }
            }
            chunkEnd = chunkStart;
        }
        return from - 1;
    }

    /**
     * The offset of a valid record starting in (bad, lastNonZero], or -1: decides whether the bad record at
     * {@code bad} is the last one. Scans every offset (the bad record's own length field may be what is damaged),
     * over a memory map so that a long torn tail costs no system call per byte.
     */
    private long firstValidRecordAfter(long bad, long lastNonZero, long size) throws IOException {
        if (size > Integer.MAX_VALUE) {
            for (long pos = bad + 1; pos <= lastNonZero; pos++) {
                if (readRecord(pos, size) != null) {
                    return pos;
                }
            }
            return -1;
        }
        ByteBuffer file = entriesFile.map(FileChannel.MapMode.READ_ONLY, 0, size);
        CRC32 crc = new CRC32();
        for (int pos = (int) bad + 1; pos <= lastNonZero && pos + 4 <= size; pos++) {
            int len = file.getInt(pos);
            if (len < RECORD_OVERHEAD - 4 || len > size - pos - 4) {
                continue;
            }
            crc.reset();
            crc.update(file.slice(pos + 4, len - 4));
            if ((int) crc.getValue() == file.getInt(pos + len)) {
                return pos;
            }
        }
        return -1;
    }

    /** Index of entries.get(0). */
    private long start() {
        return Math.max(first, 1);
    }

    private void addInMemory(long index, LogEntry e, long offset) {
        entries.add(e);
        offsets.add(offset);
        last = index;
        bytes += e.length();
        currentTerm = Math.max(currentTerm, e.term());
    }

    /** Removes entries with index >= from (memory only). */
    private void dropFrom(long from) {
        if (entries.isEmpty() || from > last) {
            return;
        }
        int keep = (int) Math.max(0, from - start());
        for (int i = entries.size() - 1; i >= keep; i--) {
            bytes -= entries.get(i).length();
            entries.remove(i);
            offsets.remove(i);
        }
        last = entries.isEmpty() ? first : start() + entries.size() - 1;
    }

    @Override
    public synchronized long append(long index, LogEntries toAppend) {
        try {
            long i = index;
            boolean wrote = false;
            for (LogEntry e : toAppend) {
                if (first > 0 && i <= first) {
                    i++; // inside the snapshot already
                    continue;
                }
                LogEntry existing = get(i);
                if (existing != null && existing.term() == e.term()) {
                    i++; // already have it (a resend): RAFT's log matching makes it the same entry
                    continue;
                }
                if (existing != null || (!entries.isEmpty() && i <= last)) {
                    truncateTail(i);
                }
                if (i != (entries.isEmpty() ? start() : last + 1)) {
                    throw new IllegalStateException("append at " + i + " leaves a gap after " + last);
                }
                writeRecord(i, e);
                wrote = true;
                i++;
            }
            if (wrote && fsync) {
                entriesFile.force(false);
            }
            return last;
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to the RAFT log in " + dir, ex);
        }
    }

    private void writeRecord(long index, LogEntry entry) throws IOException {
        // JGroups-RAFT installs a snapshot with an entry without a command (null): store it as an empty one
        LogEntry e = entry.command() != null ? entry : new LogEntry(entry.term(), new byte[0], 0, 0, entry.internal());
        int len = RECORD_OVERHEAD - 4 + e.length();
        ByteBuffer buf = ByteBuffer.allocate(4 + len);
        buf.putInt(len).putLong(index).putLong(e.term()).put((byte) (e.internal() ? 1 : 0))
                .put(e.command(), e.offset(), e.length());
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 4, len - 4);
        buf.putInt((int) crc.getValue()).flip();
        long offset = end;
        ensureCapacity(offset + buf.remaining());
        while (buf.hasRemaining()) {
            entriesFile.write(buf, offset + buf.position());
        }
        end = offset + buf.limit();
        byte[] copy = new byte[e.length()];
        System.arraycopy(e.command(), e.offset(), copy, 0, e.length());
        addInMemory(index, new LogEntry(e.term(), copy, 0, copy.length, e.internal()), offset);
    }

    /** Drops entries >= index from memory and zeroes them in the file (so a reload cannot resurrect them). */
    private void truncateTail(long index) throws IOException {
        if (entries.isEmpty() || index > last) {
            return;
        }
        long offset = index <= start() ? 0 : offsets.get((int) (index - start()));
        dropFrom(index);
        zero(offset, end);
        end = offset;
        commitIndex = Math.min(commitIndex, last);
    }

    private void ensureCapacity(long needed) throws IOException {
        long size = entriesFile.size();
        if (needed <= size) {
            return;
        }
        long grow = Math.max(PREALLOCATE_BYTES, needed - size);
        writeZeros(size, size + grow);
        entriesFile.force(true); // the new length is metadata: commit it once per chunk
    }

    /** Overwrites [from, to) with zeros, if anything non-zero may be there. */
    private void zero(long from, long to) throws IOException {
        if (to > from) {
            writeZeros(from, to);
            if (fsync) {
                entriesFile.force(false);
            }
        }
    }

    private void writeZeros(long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(64 * 1024, to - from));
        for (long pos = from; pos < to; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - pos));
            pos += entriesFile.write(zeros, pos);
        }
    }

    @Override
    public synchronized LogEntry get(long index) {
        if (entries.isEmpty() || index < start() || index > last) {
            return null;
        }
        return entries.get((int) (index - start()));
    }

    @Override
    public synchronized void deleteAllEntriesStartingFrom(long index) {
        try {
            truncateTail(index);
            if (fsync) {
                entriesFile.force(false);
            }
            LogEntry prev = get(last);
            currentTerm = prev != null ? Math.max(prev.term(), currentTerm) : currentTerm;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Log compaction after a snapshot: drops entries before {@code index} (keeping index itself). */
    @Override
    public synchronized void truncate(long index) {
        long upto = Math.min(index, commitIndex);
        if (entries.isEmpty() || upto <= start()) {
            return;
        }
        List<LogEntry> kept = new ArrayList<>(entries.subList((int) Math.min(entries.size(), upto - start()), entries.size()));
        rewrite(upto, kept);
    }

    /** After installing a snapshot: the log holds just the snapshot's last entry. */
    @Override
    public synchronized void reinitializeTo(long index, LogEntry entry) throws Exception {
        currentTerm = Math.max(currentTerm, entry.term());
        commitIndex = index;
        rewrite(index, List.of(entry));
    }

    private void rewrite(long newFirst, List<LogEntry> kept) {
        try {
            Path tmp = dir.resolve("entries.tmp");
            entriesFile.close();
            Files.deleteIfExists(tmp);
            entries.clear();
            offsets.clear();
            bytes = 0;
            first = newFirst;
            last = newFirst;
            end = 0;
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                entriesFile = out;
                long i = newFirst;
                for (LogEntry e : kept) {
                    writeRecord(i++, e);
                }
                out.force(true);
            }
            writeMeta();
            Files.move(tmp, dir.resolve("entries"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            syncDir();
            entriesFile = FileChannel.open(dir.resolve("entries"), StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot rewrite the RAFT log in " + dir, ex);
        }
    }

    private void writeMeta() throws IOException {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64);
        out.writeLong(META_MAGIC);
        out.writeLong(currentTerm);
        out.writeLong(first);
        out.writeLong(commitIndex);
        Util.writeAddress(votedFor, out);
        CRC32C crc = new CRC32C();
        crc.update(out.buffer(), 0, out.position());
        out.writeInt((int) crc.getValue());
        Path tmp = dir.resolve("meta.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(out.buffer(), 0, out.position()));
            if (fsync) {
                ch.force(true);
            }
        }
        Files.move(tmp, dir.resolve("meta"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (fsync) {
            syncDir();
        }
    }

    private void syncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems do not sync directories; the rename is still atomic
        }
    }

    @Override
    public synchronized Log currentTerm(long term) {
        currentTerm = term;
        persistMeta();
        return this;
    }

    @Override
    public synchronized Log votedFor(Address member) {
        votedFor = member;
        persistMeta();
        return this;
    }

    /**
     * Kept in memory and written with the next metadata change: a commit index that lags after a restart
     * is safe (entries are re-committed by the leader), one that ran ahead would not be.
     */
    @Override
    public Log commitIndex(long index) {
        boolean advanced;
        synchronized (this) {
            advanced = index > commitIndex;
            commitIndex = index;
        }
        if (advanced) {
            onCommit.run();
        }
        return this;
    }

    private void persistMeta() {
        try {
            writeMeta();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write RAFT metadata in " + dir, ex);
        }
    }

    /** "FLEETSNP": the snapshot file starts with it, then the content's length and CRC32C, then the content. */
    static final long SNAPSHOT_MAGIC = 0x464c4545_54534e50L;
    static final int SNAPSHOT_HEADER = 8 + 8 + 4;

    @Override
    public synchronized void setSnapshot(ByteBuffer snapshot) {
        try {
            Path tmp = dir.resolve("snapshot.tmp");
            ByteBuffer content = snapshot.duplicate();
            CRC32C crc = new CRC32C();
            crc.update(content.duplicate());
            ByteBuffer header = ByteBuffer.allocate(SNAPSHOT_HEADER)
                    .putLong(SNAPSHOT_MAGIC).putLong(content.remaining()).putInt((int) crc.getValue()).flip();
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                while (header.hasRemaining()) {
                    ch.write(header);
                }
                while (content.hasRemaining()) {
                    ch.write(content);
                }
                ch.force(true);
            }
            Files.move(tmp, dir.resolve("snapshot"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            syncDir();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the snapshot in " + dir, ex);
        }
    }

    /** The snapshot's content, checked against its checksum; a damaged snapshot is refused (it would be applied). */
    @Override
    public synchronized ByteBuffer getSnapshot() {
        try {
            return readSnapshot();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex.getMessage(), ex);
        }
    }

    private ByteBuffer readSnapshot() throws IOException {
        Path p = dir.resolve("snapshot");
        if (!Files.exists(p)) {
            return null;
        }
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(p));
        if (file.remaining() < SNAPSHOT_HEADER || file.getLong(0) != SNAPSHOT_MAGIC) {
            throw new CorruptLogException(p, 0, "it does not start with fleet's snapshot header (damaged, or written by "
                    + "a fleet version before snapshots carried a checksum: the format changed)");
        }
        long length = file.getLong(8);
        if (length != file.remaining() - SNAPSHOT_HEADER) {
            throw new CorruptLogException(p, 8, "the header says " + length + " bytes of content, the file holds "
                    + (file.remaining() - SNAPSHOT_HEADER));
        }
        ByteBuffer content = file.position(SNAPSHOT_HEADER).slice();
        CRC32C crc = new CRC32C();
        crc.update(content.duplicate());
        if ((int) crc.getValue() != file.getInt(16)) {
            throw new CorruptLogException(p, SNAPSHOT_HEADER, "the content fails its CRC32C checksum");
        }
        // a buffer of its own: JGroups-RAFT reads the backing array from offset 0
        return ByteBuffer.wrap(java.util.Arrays.copyOfRange(file.array(), SNAPSHOT_HEADER, file.limit()));
    }

    @Override
    public synchronized void forEach(ObjLongConsumer<LogEntry> fn, long start, long end) {
        if (entries.isEmpty()) {
            return;
        }
        for (long i = Math.max(start, start()); i <= Math.min(end, last); i++) {
            fn.accept(entries.get((int) (i - start())), i);
        }
    }

    @Override
    public void forEach(ObjLongConsumer<LogEntry> fn) {
        forEach(fn, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Override
    public Log useFsync(boolean f) {
        fsync = f;
        return this;
    }

    @Override
    public boolean useFsync() {
        return fsync;
    }

    @Override
    public synchronized long currentTerm() {
        return currentTerm;
    }

    @Override
    public synchronized Address votedFor() {
        return votedFor;
    }

    @Override
    public synchronized long commitIndex() {
        return commitIndex;
    }

    @Override
    public synchronized long firstAppended() {
        return first;
    }

    @Override
    public synchronized long lastAppended() {
        return last;
    }

    @Override
    public synchronized long sizeInBytes() {
        return bytes;
    }

    @Override
    public synchronized void close() throws IOException {
        if (entriesFile != null && entriesFile.isOpen()) {
            writeMeta();
            entriesFile.close();
        }
    }

    @Override
    public synchronized void delete() throws Exception {
        close();
        for (String f : List.of("entries", "meta", "snapshot")) {
            Files.deleteIfExists(dir.resolve(f));
        }
    }

    @Override
    public String toString() {
        return "DurableLog(" + dir + ", first=" + first + ", last=" + last + ", commit=" + commitIndex + ", term=" + currentTerm + ")";
    }

}
