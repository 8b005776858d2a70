package dev.fleet.node;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * bin/fleet-node's resolver for the tuning knobs, run before Payara starts:
 * {@code java -cp fleet-ejb/target/classes dev.fleet.node.NodeTuningCli [--config=PATH] [--describe] [--KNOB=VALUE ...]}.
 * Merges the file, the {@code FLEET_*} environment and the options (later wins), and prints one
 * {@code -Dfleet.x=value} line per knob (or, with {@code --describe}, the effective values). A bad file or value:
 * one line naming the key on stderr, exit status 2. The request limits ({@link NodeLimits}: {@code limit_*} keys,
 * {@code FLEET_LIMIT_*}, {@code --limit-*}) resolve the same way; only those not at their default are printed. JDK only.
 */
public final class NodeTuningCli {
    private NodeTuningCli() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.getenv(), System.out, System.err));
    }

    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        try {
            Resolved r = resolve(args, env);
            if (r.describe) {
                out.println(r.tuning.describe());
                if (!r.limits.equals(NodeLimits.DEFAULTS)) {
                    out.println(r.limits.describe());
                }
            } else {
                r.tuning.systemProperties().forEach((k, v) -> out.println("-D" + k + "=" + v));
                r.limits.systemProperties().forEach((k, v) -> out.println("-D" + k + "=" + v));
            }
            return 0;
        } catch (NodeTuning.Invalid e) {
            err.println("fleet-node: " + e.getMessage());
            return 2;
        }
    }

    record Resolved(NodeTuning tuning, NodeLimits limits, boolean describe) {
    }

    static Resolved resolve(List<String> args, Map<String, String> env) {
        Map<String, String> file = Map.of();
        Map<String, String> options = new LinkedHashMap<>();
        boolean describe = false;
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String value = eq < 0 ? null : arg.substring(eq + 1);
            if (name.equals("--describe") && value == null) {
                describe = true;
            } else if (name.equals("--config") && value != null) {
                file = readFile(value);
            } else if (NodeLimits.Limit.byOption(name) != null) {
                NodeLimits.Limit l = NodeLimits.Limit.byOption(name);
                if (value == null) {
                    throw new NodeTuning.Invalid(l.option() + " needs a value (" + l.option() + "=N)");
                }
                options.put(l.key(), value);
            } else {
                NodeTuning.Key k = NodeTuning.Key.byOption(name);
                if (k == null) {
                    throw new NodeTuning.Invalid("unknown option '" + arg + "'");
                }
                if (value == null && k != NodeTuning.Key.DISABLE_ENGINE) {
                    throw new NodeTuning.Invalid(k.option() + " needs a value (" + k.option() + "=VALUE)");
                }
                options.put(k.key, value == null ? "true" : value);
            }
        }
        Map<String, String> environment = new LinkedHashMap<>(NodeTuning.fromEnvironment(env));
        environment.putAll(NodeLimits.fromEnvironment(env));
        return new Resolved(NodeTuning.merge(file, environment, options), NodeLimits.merge(file, environment, options), describe);
    }

    /** fleet: a config path the user gave that is missing or a directory is fatal. */
    static Map<String, String> readFile(String path) {
        Path p = Path.of(path);
        if (Files.isDirectory(p)) {
            throw new NodeTuning.Invalid("--config=" + path + " is a directory, not a config file");
        }
        if (!Files.exists(p)) {
            throw new NodeTuning.Invalid("--config=" + path + ": no such file");
        }
        try {
            return NodeTuning.parseIni(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new NodeTuning.Invalid("--config=" + path + " cannot be read: " + e.getMessage());
        } catch (NodeTuning.Invalid e) {
            throw new NodeTuning.Invalid("--config=" + path + ", " + e.getMessage());
        }
    }
}
