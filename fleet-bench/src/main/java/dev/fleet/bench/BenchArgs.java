package dev.fleet.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The benchmarks' {@code --name=value} options, in order; each benchmark removes what it knows and refuses the rest. */
final class BenchArgs {
    private BenchArgs() { }

    static Map<String, String> options(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            a.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return a;
    }

    /** The benchmark's configuration, or its error and usage on stderr and exit status 2. */
    static <T> T parseOrExit(java.util.function.Supplier<T> parse, String usage) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(usage);
            System.exit(2);
            throw e; // not reached
        }
    }
}
