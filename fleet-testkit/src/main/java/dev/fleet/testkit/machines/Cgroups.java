package dev.fleet.testkit.machines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cgroup directories a harness creates on the host (hybrid mode: the named {@code systemd} v1 hierarchy and
 * the {@code unified} v2 one). systemd-nspawn {@code --keep-unit} creates the machine's cgroups inside the
 * launching process's cgroup, so each machine is launched from a cgroup of its own.
 */
public final class Cgroups {
    public static final Path V1_SYSTEMD = Path.of("/sys/fs/cgroup/systemd");
    public static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");

    private Cgroups() { }

    /** Every directory at or under {@code root}, deepest first. */
    static List<Path> depthFirst(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
        } catch (IOException e) {
            return List.of(root); // a sub-cgroup vanished during the walk: its parent is still worth a try
        }
    }

    /** The PIDs in {@code cgroup} and its descendants. */
    public static List<Long> pids(Path cgroup) {
        return depthFirst(cgroup).stream().flatMap(d -> {
            try {
                return Files.readAllLines(d.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).map(Long::parseLong);
            } catch (IOException e) {
                return Stream.empty();
            }
        }).toList();
    }

    /** SIGKILLs every process in the subtree until it is empty (these cgroups only ever hold what we started). */
    public static void killAll(Path cgroup, List<String> problems) {
        long deadline = System.nanoTime() + 15_000_000_000L;
        List<Long> left = pids(cgroup);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            left.forEach(pid -> ProcInfo.signal(pid, "KILL"));
            Ledger.sleep(20);
            left = pids(cgroup);
        }
        if (!left.isEmpty()) {
            problems.add(cgroup + " still holds processes " + left);
        }
    }

    /** rmdir of the subtree, deepest first (a cgroup directory goes with its control files). */
    public static void remove(Path cgroup, List<String> problems) {
        for (Path d : depthFirst(cgroup)) {
            try {
                Files.delete(d);
            } catch (IOException e) {
                problems.add("rmdir " + d + ": " + e);
            }
        }
    }

    /** Creates the cgroup in both hierarchies (recorded first) and returns {v1, unified}. */
    public static Path[] create(Ledger ledger, String relative) {
        Path v1 = V1_SYSTEMD.resolve(relative);
        Path v2 = UNIFIED.resolve(relative);
        for (Path p : new Path[] {v1, v2}) {
            ledger.recordCgroup(p);
            try {
                Files.createDirectories(p);
            } catch (IOException e) {
                throw new IllegalStateException("cannot create cgroup " + p + " (root and a hybrid cgroup layout are needed)", e);
            }
        }
        return new Path[] {v1, v2};
    }
}
