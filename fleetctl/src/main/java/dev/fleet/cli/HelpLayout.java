package dev.fleet.cli;

import dev.fleet.model.FleetVersion;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * fleet's help layout (§1.1): sections NAME, USAGE, VERSION (root only), COMMANDS, DESCRIPTION, OPTIONS and
 * GLOBAL OPTIONS, each a heading followed by tab-indented lines, as fleetctl's cobra template printed them.
 * Options are split by picocli's own bookkeeping: inherited (global) options vs the command's own.
 */
final class HelpLayout {
    private HelpLayout() {
    }

    static final String NAME = "fleetName";
    static final String USAGE = "fleetUsage";
    static final String VERSION = "fleetVersion";
    static final String COMMANDS = "fleetCommands";
    static final String DESCRIPTION = "fleetDescription";
    static final String OPTIONS = "fleetOptions";
    static final String GLOBAL_OPTIONS = "fleetGlobalOptions";
    static final String FOOTER = "fleetFooter";

    /** Installs the layout on a command line and all its subcommands. */
    static void install(CommandLine cl) {
        List<String> keys = List.of(NAME, USAGE, VERSION, COMMANDS, DESCRIPTION, OPTIONS, GLOBAL_OPTIONS, FOOTER);
        Map<String, CommandLine.IHelpSectionRenderer> map = new LinkedHashMap<>();
        for (String key : keys) {
            map.put(key, new Section(key));
        }
        cl.setHelpSectionKeys(keys);
        cl.setHelpSectionMap(map);
    }

    /**
     * One section's renderer. A class rather than a lambda per section: picocli's interfaces are old bytecode that
     * class-data sharing must leave out once a lambda has linked them, and with them everything that implements them
     * (bin/fleetctl's archive); a plain class keeps them in it.
     */
    private static final class Section implements CommandLine.IHelpSectionRenderer {
        private final String key;

        Section(String key) {
            this.key = key;
        }

        @Override
        public String render(CommandLine.Help h) {
            CommandSpec spec = h.commandSpec();
            switch (key) {
                case NAME:
                    return section("NAME", List.of(fullName(spec) + " - " + summary(spec)));
                case USAGE:
                    return section("USAGE", List.of(usage(spec)));
                case VERSION:
                    return spec.parent() == null ? section("VERSION", List.of(FleetVersion.VERSION)) : "";
                case COMMANDS:
                    return commands(spec);
                case DESCRIPTION: {
                    String[] d = spec.usageMessage().description();
                    return d.length <= 1 ? "" : section("DESCRIPTION", List.of(d).subList(1, d.length));
                }
                case OPTIONS:
                    return options("OPTIONS", spec, false);
                case GLOBAL_OPTIONS:
                    return options("GLOBAL OPTIONS", spec, true);
                default: { // FOOTER
                    String[] f = spec.usageMessage().footer();
                    String heading = spec.usageMessage().footerHeading().replace("%n", "").replace(":", "").trim();
                    return f.length == 0 ? "" : section(heading.toUpperCase(java.util.Locale.ROOT), List.of(f)).stripTrailing() + "\n";
                }
            }
        }
    }

    private static String commands(CommandSpec spec) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec s = e.getValue().getCommandSpec();
            if (!s.usageMessage().hidden() && e.getKey().equals(s.name())) {
                lines.add(e.getKey() + "\t" + summary(s));
            }
        }
        return lines.isEmpty() ? "" : section("COMMANDS", aligned(lines));
    }

    private static String fullName(CommandSpec s) {
        return s.parent() == null ? s.name() : fullName(s.parent()) + " " + s.name();
    }

    private static String summary(CommandSpec s) {
        String[] d = s.usageMessage().description();
        return d.length == 0 ? "" : d[0];
    }

    private static String usage(CommandSpec s) {
        if (s.parent() == null) {
            return s.name() + " [global options] <command> [command options] [arguments...]";
        }
        String custom = s.usageMessage().customSynopsis().length > 0 ? s.usageMessage().customSynopsis()[0] : null;
        if (custom != null) {
            return custom;
        }
        StringBuilder sb = new StringBuilder(fullName(s)).append(" [command options]");
        s.positionalParameters().forEach(p -> sb.append(' ').append(p.paramLabel())
                .append(p.arity().max() > 1 ? "..." : ""));
        return sb.toString();
    }

    /** Global options are the root's (the inherited copies in subcommands); a command's own are the others. */
    private static String options(String heading, CommandSpec s, boolean global) {
        List<String> lines = new ArrayList<>();
        for (OptionSpec o : s.options()) {
            if (o.hidden() || (global != (o.inherited() || (s.parent() == null && o.scopeType() == CommandLine.ScopeType.INHERIT)))) {
                continue;
            }
            String names = String.join(", ", o.names());
            if (o.arity().max() > 0 && !(o.type() == boolean.class || o.type() == Boolean.class)) {
                names += "=" + o.paramLabel();
            }
            String desc = o.description().length == 0 ? "" : o.description()[0];
            desc = desc.replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()));
            lines.add(names + "\t" + desc);
        }
        return lines.isEmpty() ? "" : section(heading, aligned(lines));
    }

    /** Pads the part before the first tab of every line to one column, as Go's tabwriter did. */
    private static List<String> aligned(List<String> lines) {
        int w = 0;
        for (String l : lines) {
            w = Math.max(w, l.indexOf('\t'));
        }
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            int t = l.indexOf('\t');
            out.add(l.substring(0, t) + " ".repeat(w - t + 2) + l.substring(t + 1));
        }
        return out;
    }

    private static String section(String heading, List<String> lines) {
        StringBuilder sb = new StringBuilder(heading).append(":\n");
        lines.forEach(l -> sb.append('\t').append(l).append('\n'));
        return sb.append('\n').toString();
    }
}
