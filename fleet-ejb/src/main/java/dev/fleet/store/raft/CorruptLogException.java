package dev.fleet.store.raft;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A member's RAFT data on disk is damaged where it cannot be a torn last write: the member refuses to start
 * instead of dropping acknowledged entries. The others still hold every acknowledged write (a majority has
 * it), so the member recovers by rejoining with an empty data dir (docs/store.md, "Recovering a member").
 */
public final class CorruptLogException extends IOException {
    static final String RECOVERY = "To recover: stop this node, move its data directory aside (keep it for analysis) and "
            + "start it again with the same --members (or --join): it rejoins empty and catches up from the other "
            + "members by snapshot; every acknowledged write survives on the majority. See docs/store.md, \"Recovering a member\".";

    private final Path file;
    private final long offset;

    public CorruptLogException(Path file, long offset, String what) {
        super(file + " is corrupt at byte offset " + offset + ": " + what + ". Refusing to start rather than lose "
                + "acknowledged entries. " + RECOVERY);
        this.file = file;
        this.offset = offset;
    }

    /** A bad record in the entries file followed by a valid one (so it is not a torn last write). */
    CorruptLogException(Path file, long badRecord, long nextValidRecord) {
        this(file, badRecord, "the record there is incomplete or fails its checksum, and a valid record follows at byte offset "
                + nextValidRecord + " (only a torn last record is dropped)");
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
