package dev.fleet.api.audit;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

class AuditLogTest {
    @TempDir
    Path dir;

    private static JsonObject parse(String line) {
        return Json.createReader(new StringReader(line)).readObject();
    }

    private List<String> lines(String name) throws Exception {
        return Files.readAllLines(dir.resolve(name), StandardCharsets.UTF_8);
    }

    private static List<String> paths(List<JsonObject> entries) {
        return entries.stream().map(e -> e.getString("path")).collect(Collectors.toList());
    }

    @Test
    void aRecordIsOneJsonLineWithEveryField() throws Exception {
        Clock at = Clock.fixed(Instant.parse("2026-12-03T13:37:06Z"), ZoneOffset.UTC);
        try (AuditLog log = new AuditLog(dir, "n1", AuditLog.DEFAULT_MAX_BYTES, at)) {
            log.append("client:alice(operate)", "PUT", "/v2/keys/a?value=1", 201, "10.0.0.7");
        }
        List<String> lines = lines("audit.log");
        assertThat(lines).hasSize(1);
        JsonObject o = parse(lines.get(0));
        assertThat(o.getString("time")).isEqualTo("2026-12-03T13:37:06.000Z"); // millis even when zero
        assertThat(o.getString("node")).isEqualTo("n1");
        assertThat(o.getString("who")).isEqualTo("client:alice(operate)");
        assertThat(o.getString("method")).isEqualTo("PUT");
        assertThat(o.getString("path")).isEqualTo("/v2/keys/a?value=1");
        assertThat(o.getInt("status")).isEqualTo(201);
        assertThat(o.getString("remote")).isEqualTo("10.0.0.7");
    }

    @Test
    void theWriteIsAtTheOsWhenAppendReturns() throws Exception {
        try (AuditLog log = new AuditLog(dir, "n1")) {
            log.append(null, "DELETE", "/v2/keys/a", 200, "127.0.0.1");
            // not closed: another reader sees the whole line already (no buffer in the JVM)
            List<String> lines = lines("audit.log");
            assertThat(lines).hasSize(1);
            assertThat(parse(lines.get(0)).getString("who")).isEqualTo("anonymous");
        }
    }

    @Test
    void hostileTextStaysOneLineAndReadsBack() throws Exception {
        String hostile = "/v2/keys/\"quoted\"\n{\"forged\":true}\r\n\u0000\u0007\u001b[31m\\\u2028\u2029 é 🚀 \t end";
        String who = "client:\"eve\"\n{\"who\":\"admin\"}";
        try (AuditLog log = new AuditLog(dir, "n\n1")) {
            log.append(who, "PUT\r\n", hostile, 201, "1.2.3.4\n");
            log.append("x", "POST", "/after", 200, "1.2.3.4");
            List<String> lines = lines("audit.log");
            assertThat(lines).hasSize(2);
            JsonObject o = parse(lines.get(0));
            assertThat(o.getString("path")).isEqualTo(hostile);
            assertThat(o.getString("who")).isEqualTo(who);
            assertThat(o.getString("node")).isEqualTo("n\n1");
            assertThat(paths(log.tail(10))).containsExactly(hostile, "/after");
        }
    }

    @Test
    void aLongPathIsCutTo1024CharsEndingWithAnEllipsis() throws Exception {
        String longPath = "/v2/keys/" + "a".repeat(5000);
        String surrogates = "/" + "🚀".repeat(1000);
        try (AuditLog log = new AuditLog(dir, "n1")) {
            log.append("x", "PUT", longPath, 201, "h");
            log.append("x", "PUT", surrogates, 201, "h");
            List<JsonObject> t = log.tail(2);
            String p = t.get(0).getString("path");
            assertThat(p).hasSize(AuditLog.MAX_PATH).endsWith("…").startsWith("/v2/keys/aaa");
            assertThat(longPath).startsWith(p.substring(0, p.length() - 1));
            String s = t.get(1).getString("path");
            assertThat(s.length()).isLessThanOrEqualTo(AuditLog.MAX_PATH);
            assertThat(s).endsWith("…");
            assertThat(Character.isHighSurrogate(s.charAt(s.length() - 2))).isFalse(); // no half pair
        }
        assertThat(AuditLog.truncate("/short")).isEqualTo("/short");
        assertThat(AuditLog.truncate("x".repeat(1024))).hasSize(1024).doesNotContain("…");
    }

    @Test
    void manyThreadsWriteWholeLines() throws Exception {
        int threads = 16;
        int each = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (AuditLog log = new AuditLog(dir, "n1")) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        log.append("t" + thread, "PUT", "/t" + thread + "/" + i + "?v=" + "x".repeat(i % 300), 200, "h");
                        if (i % 100 == 0) {
                            log.tail(50).forEach(e -> assertThat(e.getString("path")).startsWith("/t"));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            List<String> lines = lines("audit.log");
            assertThat(lines).hasSize(threads * each);
            int[] next = new int[threads];
            for (String line : lines) {
                JsonObject o = parse(line);
                int t = Integer.parseInt(o.getString("who").substring(1));
                // each thread's records are in its order
                assertThat(o.getString("path")).startsWith("/t" + t + "/" + next[t] + "?");
                next[t]++;
            }
            assertThat(log.tail(1000)).hasSize(1000);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theFileRotatesPastItsLimitAndTailReadsAcrossBoth() throws Exception {
        long limit = 2000;
        try (AuditLog log = new AuditLog(dir, "n1", limit)) {
            for (int i = 0; i < 100; i++) {
                log.append("x", "PUT", "/k/" + i, 200, "h");
            }
            assertThat(Files.size(dir.resolve("audit.log"))).isLessThanOrEqualTo(limit);
            assertThat(Files.size(dir.resolve("audit.log.1"))).isLessThanOrEqualTo(limit).isGreaterThan(limit / 2);
            assertThat(Files.list(dir).map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("audit.log", "audit.log.1");
            List<String> current = lines("audit.log");
            List<String> older = lines("audit.log.1");
            // the two files hold the newest records, in order, with nothing lost at the seam
            assertThat(parse(current.get(current.size() - 1)).getString("path")).isEqualTo("/k/99");
            int firstCurrent = Integer.parseInt(parse(current.get(0)).getString("path").substring(3));
            int lastOlder = Integer.parseInt(parse(older.get(older.size() - 1)).getString("path").substring(3));
            assertThat(lastOlder).isEqualTo(firstCurrent - 1);

            int kept = current.size() + older.size();
            List<JsonObject> all = log.tail(1000);
            assertThat(all).hasSize(kept);
            List<String> expected = new ArrayList<>();
            for (int i = 100 - kept; i < 100; i++) {
                expected.add("/k/" + i);
            }
            assertThat(paths(all)).isEqualTo(expected);
            // a tail that ends in the older file
            assertThat(paths(log.tail(current.size() + 2))).isEqualTo(expected.subList(kept - current.size() - 2, kept));
            assertThat(paths(log.tail(3))).containsExactly("/k/97", "/k/98", "/k/99");
            assertThat(log.tail(0)).isEmpty();
        }
    }

    @Test
    void tailReadsBackwardsAcrossChunksOfALargeFile() throws Exception {
        try (AuditLog log = new AuditLog(dir, "n1")) {
            for (int i = 0; i < 3000; i++) {
                log.append("x", "PUT", "/k/" + i + "?" + "p".repeat(i % 97), 200, "h");
            }
            List<JsonObject> t = log.tail(1000);
            assertThat(t).hasSize(1000);
            for (int i = 0; i < 1000; i++) {
                assertThat(t.get(i).getString("path")).startsWith("/k/" + (2000 + i) + "?");
            }
        }
    }

    @Test
    void aTornLastLineIsSkippedAndTheNextRecordStartsItsOwnLine() throws Exception {
        try (AuditLog log = new AuditLog(dir, "n1")) {
            log.append("x", "PUT", "/one", 200, "h");
            log.append("x", "PUT", "/two", 200, "h");
        }
        // a crash in the middle of a write
        Files.writeString(dir.resolve("audit.log"), "{\"time\":\"2026-12-03T13:37:06.000Z\",\"node\":\"n1\",\"who\":\"x\",\"pa",
                StandardOpenOption.APPEND);
        try (AuditLog log = new AuditLog(dir, "n1")) {
            assertThat(paths(log.tail(10))).containsExactly("/one", "/two");
            log.append("x", "DELETE", "/three", 200, "h");
            assertThat(paths(log.tail(10))).containsExactly("/one", "/two", "/three");
            List<String> lines = lines("audit.log");
            assertThat(parse(lines.get(lines.size() - 1)).getString("path")).isEqualTo("/three");
        }
        // garbage lines in the middle (and a line too long to be ours) are skipped too
        Files.writeString(dir.resolve("audit.log"), "not json\n[1,2]\n\n" + "z".repeat(AuditLog.MAX_LINE * 3) + "\n",
                StandardOpenOption.APPEND);
        try (AuditLog log = new AuditLog(dir, "n1")) {
            log.append("x", "PUT", "/four", 200, "h");
            assertThat(paths(log.tail(10))).containsExactly("/one", "/two", "/three", "/four");
        }
    }

    @Test
    void aNewInstanceAppendsAfterTheOldRecordsAndReadsThemBack() throws Exception {
        AuditLog first = new AuditLog(dir, "n1");
        first.append("x", "PUT", "/before-1", 201, "h");
        first.append("x", "PUT", "/before-2", 201, "h");
        // no close: as after a crash of the process
        try (AuditLog second = new AuditLog(dir, "n1")) {
            assertThat(paths(second.tail(10))).containsExactly("/before-1", "/before-2");
            second.append("x", "DELETE", "/after", 200, "h");
            assertThat(paths(second.tail(10))).containsExactly("/before-1", "/before-2", "/after");
        }
        first.close();
        assertThat(lines("audit.log")).hasSize(3);
    }

    @Test
    void aRestartKeepsTheRotationSize() throws Exception {
        long limit = 1000;
        try (AuditLog log = new AuditLog(dir, "n1", limit)) {
            for (int i = 0; i < 5; i++) {
                log.append("x", "PUT", "/k/" + i, 200, "h");
            }
        }
        try (AuditLog log = new AuditLog(dir, "n1", limit)) {
            for (int i = 5; i < 40; i++) {
                log.append("x", "PUT", "/k/" + i, 200, "h");
            }
            assertThat(Files.size(dir.resolve("audit.log"))).isLessThanOrEqualTo(limit);
            assertThat(paths(log.tail(2))).containsExactly("/k/38", "/k/39");
        }
    }

    @Test
    void anEmptyOrMissingLogHasNoEntries() throws Exception {
        try (AuditLog log = new AuditLog(dir.resolve("not-yet"), "n1")) {
            assertThat(log.tail(100)).isEmpty();
            log.append("x", "PUT", "/k", 200, "h");
            assertThat(log.tail(100)).hasSize(1);
        }
    }

    @Test
    void aFailedWriteIsThrownAndTheNextOneOpensTheFileAgain() throws Exception {
        Path blocked = dir.resolve("blocked");
        Files.writeString(blocked, "a file where the directory should be");
        try (AuditLog log = new AuditLog(blocked, "n1")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.append("x", "PUT", "/k", 200, "h"))
                    .isInstanceOf(java.io.IOException.class);
            Files.delete(blocked);
            log.append("x", "PUT", "/k", 200, "h");
            assertThat(log.tail(5)).hasSize(1);
        }
    }
}
