package dev.fleet.testkit.machines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Mount points as /proc/self/mountinfo lists them, and unmounting. */
public final class Mounts {
    private Mounts() { }

    /** Every mount point of this mount namespace (octal escapes decoded). */
    public static List<String> mountPoints() {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                out.add(unescape(line.split(" ")[4]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static boolean isMountPoint(Path p) {
        return mountPoints().contains(p.toAbsolutePath().normalize().toString());
    }

    /** Mount points at or under {@code dir}. */
    public static List<String> under(Path dir) {
        String d = dir.toAbsolutePath().normalize().toString();
        return mountPoints().stream().filter(m -> m.equals(d) || m.startsWith(d + "/")).toList();
    }

    /** Unmounts {@code p} (every mount stacked on it) if mounted; lazily only as the last resort. */
    public static void unmount(Path p, List<String> problems) {
        for (int attempt = 0; attempt < 40 && isMountPoint(p); attempt++) {
            Sh.Result r = Sh.run("umount", p.toString());
            if (!r.ok() && isMountPoint(p)) {
                Ledger.sleep(50); // busy: a process of the machine may be exiting still
            }
        }
        if (isMountPoint(p)) {
            Sh.Result r = Sh.run("umount", "--lazy", p.toString());
            problems.add("umount " + p + " was busy; lazily detached (" + r.output().strip() + ")");
        }
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
