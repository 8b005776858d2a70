package dev.fleet.testkit.machines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The record of every host resource a harness creates (mounts, directories, cgroups, bridges, routes, processes),
 * written to a file <em>before</em> the resource is created, so that whatever a crashed JVM left behind can be
 * torn down later from the file alone ({@code bin/fleet-dev cleanup}).
 *
 * <p>One ledger is a directory with a {@code resources} file of tab-separated lines. A ledger may hold child
 * ledgers (one per machine); tearing a ledger down tears its children down too. Teardown first stops every
 * recorded process and empties every recorded cgroup, then undoes the other records in reverse order, and
 * never deletes a directory tree: a directory is only {@code rmdir}ed, so a still-mounted overlay root can never
 * lose the host's files.
 */
public final class Ledger {
    /** Where every instance's ledger lives: on the host's /run, so a reboot forgets it together with the resources. */
    public static final Path STATE_ROOT = Path.of(System.getProperty("fleet.machines.state", "/run/fleet-machines"));
    static final String RESOURCES = "resources";
    static final String OWNER = "owner";

    private final Path dir;

    private Ledger(Path dir) {
        this.dir = dir;
    }

    /** Opens (creating if needed) the ledger in {@code dir}. */
    public static Ledger open(Path dir) {
        try {
            Files.createDirectories(dir);
            Path res = dir.resolve(RESOURCES);
            if (!Files.exists(res)) {
                Files.createFile(res);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the resource ledger in " + dir, e);
        }
        return new Ledger(dir);
    }

    /** Whether {@code dir} holds a ledger. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(RESOURCES));
    }

    public Path dir() {
        return dir;
    }

    /** A ledger in the sub-directory {@code name}, recorded here so that tearing this one down tears it down too. */
    public Ledger child(String name) {
        Path childDir = dir.resolve(name);
        record("ledger", childDir.toString());
        return open(childDir);
    }

    // ------------------------------------------------------------------------------------------- records

    /** A directory about to be created (teardown: rmdir, never a recursive delete). */
    public Path recordDir(Path p) {
        record("dir", p.toString());
        return p;
    }

    /** A file about to be written (teardown: delete). */
    public Path recordFile(Path p) {
        record("file", p.toString());
        return p;
    }

    /** A mount point about to be mounted (teardown: umount if still mounted). */
    public Path recordMount(Path p) {
        record("mount", p.toString());
        return p;
    }

    /** A cgroup directory about to be created (teardown: SIGKILL whatever runs in it, then rmdir depth-first). */
    public Path recordCgroup(Path p) {
        record("cgroup", p.toString());
        return p;
    }

    /** A bridge about to be created (teardown: ip link del). */
    public void recordBridge(String name) {
        record("bridge", name);
    }

    /**
     * The host end of a machine's veth pair, about to be created by nspawn (teardown: ip link del, which removes both
     * ends). The kernel would remove it by itself only once the machine's network namespace is freed, and orphaned TCP
     * sockets of the machine's dead processes can hold that namespace for minutes, leaving the name taken for the
     * next machine of the same name.
     */
    public void recordVeth(String name) {
        record("veth", name);
    }

    /** A blackhole route about to be added (teardown: ip route del). */
    public void recordBlackhole(String prefix, int metric) {
        record("blackhole", prefix, Integer.toString(metric));
    }

    /**
     * A process just started (a PID cannot be known before). Recorded with its start time so that teardown never
     * signals a later process that reused the PID. {@code gentle}: SIGTERM first (a node closes its RAFT log).
     */
    public void recordProcess(long pid, String label, boolean gentle) {
        String start = ProcInfo.startTime(pid).orElseThrow(() -> new IllegalStateException(label + " (pid " + pid + ") already exited"));
        record("pid", Long.toString(pid), start, gentle ? "term" : "kill", label);
    }

    /** Any key=value fact worth keeping for later commands (status, env). */
    public void note(String key, String value) {
        record("note", key, value);
    }

    private synchronized void record(String... fields) {
        for (String f : fields) {
            if (f.indexOf('\t') >= 0 || f.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a ledger field cannot hold tabs or newlines: " + f);
            }
        }
        try {
            Files.writeString(dir.resolve(RESOURCES), String.join("\t", fields) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record " + String.join(" ", fields) + " in " + dir, e);
        }
    }

    /** Every record of this ledger, children inlined where they were recorded. */
    public List<List<String>> records() {
        return records(dir);
    }

    private static List<List<String>> records(Path dir) {
        List<List<String>> out = new ArrayList<>();
        Path res = dir.resolve(RESOURCES);
        if (!Files.exists(res)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(res, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                List<String> r = List.of(line.split("\t", -1));
                if (r.get(0).equals("ledger")) {
                    out.add(List.of("ledgerdir", r.get(1))); // before its records: undone after them
                    out.addAll(records(Path.of(r.get(1))));
                } else {
                    out.add(r);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The last value noted under {@code key}, in this ledger or its children. */
    public Optional<String> noted(String key) {
        String v = null;
        for (List<String> r : records()) {
            if (r.get(0).equals("note") && r.get(1).equals(key)) {
                v = r.get(2);
            }
        }
        return Optional.ofNullable(v);
    }

    // ------------------------------------------------------------------------------------------- teardown

    /** Tears down everything this ledger (and its children) recorded; idempotent. Returns the problems met. */
    public List<String> teardown() {
        return teardown(dir, Duration.ofSeconds(30));
    }

    /** Tears down the ledger in {@code dir}: processes (SIGTERM, up to {@code grace}, then SIGKILL), then the rest. */
    public static List<String> teardown(Path dir, Duration grace) {
        List<String> problems = new ArrayList<>();
        List<List<String>> recs = records(dir);
        // 1. processes: gentle ones get SIGTERM and a grace period, then everything left gets SIGKILL
        for (List<String> r : recs) {
            if (r.get(0).equals("pid") && ProcInfo.isSame(Long.parseLong(r.get(1)), r.get(2))) {
                ProcInfo.signal(Long.parseLong(r.get(1)), r.get(3).equals("term") ? "TERM" : "KILL");
            }
        }
        List<String> starts = new ArrayList<>();
        for (List<String> r : recs) {
            if (r.get(0).equals("pid")) {
                starts.add(r.get(1) + " " + r.get(2));
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && starts.stream().anyMatch(s -> ProcInfo.isSame(Long.parseLong(s.split(" ")[0]), s.split(" ")[1]))) {
            sleep(50);
        }
        for (String s : starts) {
            long pid = Long.parseLong(s.split(" ")[0]);
            if (ProcInfo.isSame(pid, s.split(" ")[1])) {
                ProcInfo.signal(pid, "KILL");
            }
        }
        for (List<String> r : recs) {
            if (r.get(0).equals("cgroup")) {
                Cgroups.killAll(Path.of(r.get(1)), problems);
            }
        }
        // 2. everything else, newest first
        for (int i = recs.size() - 1; i >= 0; i--) {
            List<String> r = recs.get(i);
            try {
                undo(r, problems);
            } catch (RuntimeException e) {
                problems.add(String.join(" ", r) + ": " + e.getMessage());
            }
        }
        return problems;
    }

    private static void undo(List<String> r, List<String> problems) {
        switch (r.get(0)) {
            case "mount" -> Mounts.unmount(Path.of(r.get(1)), problems);
            case "file" -> deleteIfExists(Path.of(r.get(1)), problems);
            case "dir" -> rmdir(Path.of(r.get(1)), problems);
            case "cgroup" -> Cgroups.remove(Path.of(r.get(1)), problems);
            case "bridge", "veth" -> deleteLink(r.get(1), problems);
            case "blackhole" -> {
                String listed = Sh.run("ip", "route", "show", "type", "blackhole", r.get(1)).output();
                if (listed.contains("metric " + r.get(2))) {
                    Sh.Result res = Sh.run("ip", "route", "del", "blackhole", r.get(1), "metric", r.get(2));
                    if (!res.ok()) {
                        problems.add("ip route del blackhole " + r.get(1) + ": " + res.output().strip());
                    }
                }
            }
            case "ledgerdir" -> forget(Path.of(r.get(1)), problems);
            default -> { } // pid (done in phase 1), note
        }
    }

    /** {@code ip link del NAME} if it exists; one that vanishes meanwhile (its namespace freed) is not a problem. */
    static void deleteLink(String name, List<String> problems) {
        Path sys = Path.of("/sys/class/net", name);
        if (Files.exists(sys)) {
            Sh.Result res = Sh.run("ip", "link", "del", name);
            if (!res.ok() && Files.exists(sys)) {
                problems.add("ip link del " + name + ": " + res.output().strip());
            }
        }
    }

    /**
     * Removes the ledger file and its directory, but only when nothing else is left in it and no problem was met:
     * a ledger whose resources are not all gone must stay, or the next cleanup could not find them.
     */
    public static void forget(Path dir, List<String> problems) {
        if (!problems.isEmpty() || !Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(RESOURCES) && !n.equals(OWNER)).toList();
            if (!left.isEmpty()) {
                problems.add(dir + " still holds " + left + ": its ledger stays");
                return;
            }
        } catch (IOException e) {
            problems.add("cannot list " + dir + ": " + e);
            return;
        }
        deleteIfExists(dir.resolve(RESOURCES), problems);
        deleteIfExists(dir.resolve(OWNER), problems);
        rmdir(dir, problems);
    }

    private static void rmdir(Path d, List<String> problems) {
        if (!Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Mounts.isMountPoint(d)) {
            problems.add(d + " is still a mount point: left in place");
            return;
        }
        try {
            Files.delete(d); // fails on a non-empty directory: on purpose, never a recursive delete
        } catch (IOException e) {
            problems.add("rmdir " + d + ": " + e);
        }
    }

    private static void deleteIfExists(Path f, List<String> problems) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            problems.add("rm " + f + ": " + e);
        }
    }

    /** Every instance ledger directly under {@code root}, oldest first. */
    public static List<Path> instances(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Ledger::exists).sorted(Comparator.comparing(Path::getFileName)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
