package dev.fleet.testkit.machines;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host commands (ip, mount, busctl, nsenter) as argument lists, never through a shell string. */
public final class Sh {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Sh() { }

    /** A finished command: its exit code and its stdout and stderr together. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public static Result run(List<String> cmd) {
        return run(cmd, DEFAULT_TIMEOUT);
    }

    /** Runs {@code cmd} to completion; a command still running after {@code timeout} is killed (exit code 124). */
    public static Result run(List<String> cmd, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(p.getInputStream(), out), "sh-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                reader.join(1000);
                return new Result(124, out.toString(StandardCharsets.UTF_8) + "\n(timed out after " + timeout + ")");
            }
            reader.join(10_000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
        synchronized (out) {
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        }
    }

    public static Result run(String... cmd) {
        return run(List.of(cmd));
    }

    /** Runs {@code cmd} and fails with its output unless it exits 0. */
    public static String check(String... cmd) {
        Result r = run(List.of(cmd));
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + r.exitCode() + "): " + r.output().strip());
        }
        return r.output();
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException ignored) {
            // the process is gone; what was read is the output
        }
    }
}
