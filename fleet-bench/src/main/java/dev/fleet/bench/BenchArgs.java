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
}
