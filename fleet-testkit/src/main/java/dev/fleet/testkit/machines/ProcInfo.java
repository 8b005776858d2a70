package dev.fleet.testkit.machines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What /proc says about a process: its start time (to tell a PID from a reused one), its children, its name. */
public final class ProcInfo {
    private ProcInfo() { }

    /** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or empty if there is no such process. */
    public static Optional<String> startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (rest[0].equals("Z") || rest[0].equals("X")) {
                return Optional.empty(); // a zombie has exited already
            }
            return Optional.of(rest[22 - 3]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code pid} is alive and is still the process that started at {@code startTime}. */
    public static boolean isSame(long pid, String startTime) {
        return startTime(pid).map(startTime::equals).orElse(false);
    }

    public static boolean isAlive(long pid) {
        return startTime(pid).isPresent();
    }

    /** The direct children of {@code pid} (all its threads' children). */
    public static List<Long> children(long pid) {
        List<Long> out = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                for (String c : Files.readString(t.resolve("children")).trim().split("\\s+")) {
                    if (!c.isEmpty()) {
                        out.add(Long.parseLong(c));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    public static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Sends SIGTERM or SIGKILL ({@code "TERM"} / {@code "KILL"}); a process that is gone is not an error. */
    public static void signal(long pid, String signal) {
        if (pid <= 1) {
            throw new IllegalArgumentException("refusing to signal pid " + pid);
        }
        ProcessHandle.of(pid).ifPresent(h -> {
            if (signal.equals("KILL")) {
                h.destroyForcibly();
            } else if (signal.equals("TERM")) {
                h.destroy();
            } else {
                Sh.run("kill", "-s", signal, Long.toString(pid));
            }
        });
    }
}
