package dev.fleet.store.raft;

import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The RAFT log on disk: append, resend, conflict, compaction, snapshot install, restart, torn tail. */
class DurableLogTest {
    @TempDir
    Path dir;

    private DurableLog open() throws Exception {
        DurableLog log = new DurableLog();
        log.init(dir.resolve("n1.log").toString(), Map.of());
        return log;
    }

    private static LogEntries entries(long term, String... values) {
        LogEntries e = new LogEntries();
        for (String v : values) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            e.add(new LogEntry(term, b));
        }
        return e;
    }

    private static String value(DurableLog log, long index) {
        LogEntry e = log.get(index);
        return e == null ? null : new String(e.command(), e.offset(), e.length(), StandardCharsets.UTF_8);
    }

    private static List<String> all(DurableLog log) {
        List<String> out = new ArrayList<>();
        log.forEach((e, i) -> out.add(i + ":" + e.term() + ":" + new String(e.command(), e.offset(), e.length(), StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void appendsSurviveARestartWithTermVoteAndCommitIndex() throws Exception {
        DurableLog log = open();
        assertThat(log.firstAppended()).isZero();
        assertThat(log.lastAppended()).isZero();
        assertThat(log.append(1, entries(1, "a", "b"))).isEqualTo(2);
        log.append(3, entries(2, "c"));
        var voter = UUID.randomUUID();
        log.currentTerm(2).votedFor(voter).commitIndex(3);
        log.close();

        DurableLog again = open();
        assertThat(all(again)).containsExactly("1:1:a", "2:1:b", "3:2:c");
        assertThat(again.currentTerm()).isEqualTo(2);
        assertThat(again.votedFor()).isEqualTo(voter);
        assertThat(again.commitIndex()).isEqualTo(3);
        assertThat(again.lastAppended()).isEqualTo(3);
    }

    @Test
    void aResentEntryIsANoOpAndAConflictingSuffixIsReplaced() throws Exception {
        DurableLog log = open();
        log.append(1, entries(1, "a", "b", "c"));
        assertThat(log.append(2, entries(1, "b"))).as("resend of what it has").isEqualTo(3);
        assertThat(all(log)).containsExactly("1:1:a", "2:1:b", "3:1:c");
        log.append(2, entries(2, "B"));
        assertThat(all(log)).containsExactly("1:1:a", "2:2:B");
        log.append(3, entries(2, "C"));
        log.close();
        assertThat(all(open())).containsExactly("1:1:a", "2:2:B", "3:2:C");
    }

    @Test
    void deletingTheTailAndCompactingTheHead() throws Exception {
        DurableLog log = open();
        log.append(1, entries(1, "a", "b", "c", "d", "e"));
        log.deleteAllEntriesStartingFrom(5);
        assertThat(log.lastAppended()).isEqualTo(4);
        log.commitIndex(4);
        log.truncate(3);
        assertThat(log.firstAppended()).isEqualTo(3);
        assertThat(log.get(2)).isNull();
        assertThat(all(log)).containsExactly("3:1:c", "4:1:d");
        log.append(5, entries(1, "e2"));
        log.close();
        DurableLog again = open();
        assertThat(again.firstAppended()).isEqualTo(3);
        assertThat(all(again)).containsExactly("3:1:c", "4:1:d", "5:1:e2");
    }

    @Test
    void installingASnapshotResetsTheLogToItsLastEntry() throws Exception {
        DurableLog log = open();
        log.append(1, entries(1, "a", "b"));
        log.setSnapshot(ByteBuffer.wrap("state".getBytes(StandardCharsets.UTF_8)));
        log.reinitializeTo(40, new LogEntry(3, new byte[0]));
        assertThat(log.firstAppended()).isEqualTo(40);
        assertThat(log.lastAppended()).isEqualTo(40);
        assertThat(log.commitIndex()).isEqualTo(40);
        assertThat(log.get(40).term()).isEqualTo(3);
        log.append(41, entries(3, "x"));
        log.close();
        DurableLog again = open();
        assertThat(all(again)).containsExactly("40:3:", "41:3:x");
        assertThat(new String(again.getSnapshot().array(), StandardCharsets.UTF_8)).isEqualTo("state");
    }

    @Test
    void installingASnapshotWithTheEntryWithoutCommandThatJGroupsRaftSends() throws Exception {
        DurableLog log = open(); // a member that rejoined with an empty data dir
        log.setSnapshot(ByteBuffer.wrap("state".getBytes(StandardCharsets.UTF_8)));
        log.reinitializeTo(151, new LogEntry(4, null)); // what Follower.handleInstallSnapshotRequest passes
        log.append(152, entries(4, "x"));
        log.close();
        assertThat(all(open())).containsExactly("151:4:", "152:4:x");
    }

    @Test
    void aReplacedTailCannotComeBackAfterARestart() throws Exception {
        DurableLog log = open();
        log.append(1, entries(1, "a", "b", "c", "d"));
        log.append(2, entries(2, "B")); // conflict: c and d of term 1 go
        log.close();
        assertThat(all(open())).containsExactly("1:1:a", "2:2:B");
    }

    @Test
    void aTornRecordAtTheEndIsDroppedOnLoad() throws Exception {
        DurableLog log = open();
        log.append(1, entries(1, "a", "b"));
        log.close();
        try (FileChannel ch = FileChannel.open(dir.resolve("n1.log/entries"), StandardOpenOption.WRITE)) {
            long endOfTwoRecords = 2 * (4 + 8 + 8 + 1 + 1 + 4); // length, index, term, internal, 1 byte, crc
            ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 40, 1, 2, 3}), endOfTwoRecords); // half a record
        }
        DurableLog again = open();
        assertThat(all(again)).containsExactly("1:1:a", "2:1:b");
        again.append(3, entries(1, "c"));
        again.close();
        assertThat(all(open())).containsExactly("1:1:a", "2:1:b", "3:1:c");
    }

    /** Size of a record holding a one-byte entry: length, index, term, internal, 1 byte, crc. */
    private static final int ONE_BYTE_RECORD = 4 + 8 + 8 + 1 + 1 + 4;

    private void flipByteAt(String file, long offset) throws Exception {
        try (FileChannel ch = FileChannel.open(dir.resolve("n1.log").resolve(file), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            ch.write(b, offset);
        }
    }

    private void writeThreeOneByteEntries() throws Exception {
        DurableLog log = open();
        log.append(1, entries(1, "a", "b", "c"));
        log.close();
    }

    @Test
    void aCorruptRecordInTheMiddleRefusesToOpenNamingTheFileTheOffsetAndTheRecovery() throws Exception {
        writeThreeOneByteEntries();
        flipByteAt("entries", ONE_BYTE_RECORD + 4 + 8 + 8 + 1); // the data byte of entry 2
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.offset()).isEqualTo(ONE_BYTE_RECORD);
            assertThat(e.file()).isEqualTo(dir.resolve("n1.log/entries"));
            assertThat(e.getMessage()).contains(dir.resolve("n1.log/entries").toString(), "byte offset " + ONE_BYTE_RECORD,
                    "valid record follows at byte offset " + 2 * ONE_BYTE_RECORD, "move its data directory aside", "docs/store.md");
        });
        assertThatThrownBy(this::open).as("still refused: nothing was cut off").isInstanceOf(CorruptLogException.class);
    }

    @Test
    void aDamagedLengthFieldInTheMiddleIsRefusedToo() throws Exception {
        writeThreeOneByteEntries();
        flipByteAt("entries", ONE_BYTE_RECORD + 3); // entry 2's length: its end can no longer be known
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class,
                e -> assertThat(e.offset()).isEqualTo(ONE_BYTE_RECORD));
    }

    @Test
    void aCorruptLastRecordIsATornWriteAndIsCutOffKeepingTheEntriesBeforeIt() throws Exception {
        writeThreeOneByteEntries();
        flipByteAt("entries", 2 * ONE_BYTE_RECORD + 4 + 8 + 8 + 1); // the data byte of entry 3, the last
        DurableLog again = open();
        assertThat(all(again)).containsExactly("1:1:a", "2:1:b");
        again.append(3, entries(1, "C"));
        again.close();
        assertThat(all(open())).containsExactly("1:1:a", "2:1:b", "3:1:C");
    }

    @Test
    void aCorruptSnapshotIsRefusedNamingTheFile() throws Exception {
        DurableLog log = open();
        log.setSnapshot(ByteBuffer.wrap("state of the store".getBytes(StandardCharsets.UTF_8)));
        log.reinitializeTo(10, new LogEntry(2, new byte[0]));
        log.close();
        flipByteAt("snapshot", DurableLog.SNAPSHOT_HEADER + 3);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.file()).isEqualTo(dir.resolve("n1.log/snapshot"));
            assertThat(e.getMessage()).contains("fails its CRC32C checksum", "move its data directory aside");
        });
    }

    @Test
    void aSnapshotOfTheFormerFormatWithoutChecksumIsRefusedSayingTheFormatChanged() throws Exception {
        open().close();
        java.nio.file.Files.write(dir.resolve("n1.log/snapshot"), "raw content, no header".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(this::open).isInstanceOf(CorruptLogException.class).hasMessageContaining("the format changed");
    }

    @Test
    void damagedMetadataIsRefused() throws Exception {
        DurableLog log = open();
        log.currentTerm(3).votedFor(UUID.randomUUID());
        log.close();
        flipByteAt("meta", 8 + 7); // the term
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.file()).isEqualTo(dir.resolve("n1.log/meta"));
            assertThat(e.getMessage()).contains("fails its CRC32C checksum", "move its data directory aside");
        });
    }

    @Test
    void entriesAndMetadataOfTheFormerVersionStillOpen() throws Exception {
        // the entries file kept its format (records always had a CRC32); the former metadata file had no
        // magic and no checksum: it is read, and replaced by the next write
        writeThreeOneByteEntries();
        var voter = UUID.randomUUID();
        var former = new org.jgroups.util.ByteArrayDataOutputStream(64);
        former.writeLong(5);
        former.writeLong(0);
        former.writeLong(2);
        org.jgroups.util.Util.writeAddress(voter, former);
        java.nio.file.Files.write(dir.resolve("n1.log/meta"), java.util.Arrays.copyOf(former.buffer(), former.position()));
        DurableLog again = open();
        assertThat(all(again)).containsExactly("1:1:a", "2:1:b", "3:1:c");
        assertThat(again.currentTerm()).isEqualTo(5);
        assertThat(again.votedFor()).isEqualTo(voter);
        assertThat(again.commitIndex()).isEqualTo(2);
        again.currentTerm(6);
        again.close();
        assertThat(java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(dir.resolve("n1.log/meta"))).getLong())
                .isEqualTo(DurableLog.META_MAGIC);
        assertThat(open().currentTerm()).isEqualTo(6);
    }

    @Test
    void termAndVoteAreOnDiskBeforeTheCallReturns() throws Exception {
        DurableLog log = open();
        var candidate = UUID.randomUUID();
        log.currentTerm(7);
        log.votedFor(candidate);
        // no close(): a second reader sees what a crash right after the vote would leave on disk
        DurableLog afterCrash = open();
        assertThat(afterCrash.currentTerm()).isEqualTo(7);
        assertThat(afterCrash.votedFor()).isEqualTo(candidate);
        assertThat(log.useFsync()).as("and it was fsync'd, not just written").isTrue();
    }
}
