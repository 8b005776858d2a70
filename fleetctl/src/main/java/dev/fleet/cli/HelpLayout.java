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
        Map<String, CommandLine.IHelpSectionRenderer> map = new LinkedHashMap<>();
        map.put(NAME, h -> section("NAME", List.of(fullName(h.commandSpec()) + " - " + summary(h.commandSpec()))));
        map.put(USAGE, h -> section("USAGE", List.of(usage(h.commandSpec()))));
        map.put(VERSION, h -> h.commandSpec().parent() == null ? section("VERSION", List.of(FleetVersion.VERSION)) : "");
        map.put(COMMANDS, h -> {
            List<String> lines = new ArrayList<>();
            for (Map.Entry<String, CommandLine> e : h.commandSpec().subcommands().entrySet()) {
                CommandSpec s = e.getValue().getCommandSpec();
                if (!s.usageMessage().hidden() && e.getKey().equals(s.name())) {
                    lines.add(e.getKey() + "\t" + summary(s));
                }
            }
            return lines.isEmpty() ? "" : section("COMMANDS", aligned(lines));
        });
        map.put(DESCRIPTION, h -> {
            String[] d = h.commandSpec().usageMessage().description();
            return d.length <= 1 ? "" : section("DESCRIPTION", List.of(d).subList(1, d.length));
        });
        map.put(OPTIONS, h -> options("OPTIONS", h.commandSpec(), false));
        map.put(GLOBAL_OPTIONS, h -> options("GLOBAL OPTIONS", h.commandSpec(), true));
        map.put(FOOTER, h -> {
            String[] f = h.commandSpec().usageMessage().footer();
            String heading = h.commandSpec().usageMessage().footerHeading().replace("%n", "").replace(":", "").trim();
            return f.length == 0 ? "" : section(heading.toUpperCase(java.util.Locale.ROOT), List.of(f)).stripTrailing() + "\n";
        });
        cl.setHelpSectionKeys(List.copyOf(map.keySet()));
        cl.setHelpSectionMap(map);
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
