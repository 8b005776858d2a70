package dev.fleet.cli;

import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import dev.fleet.unit.Requirements;
import dev.fleet.unit.UnitFile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/** fleetctl's three tables (§1.3), rendered from the API's records: pure functions, golden-tested. */
public final class Tables {
    private Tables() {
    }

    /** A bad --fields value; the message is fleet's. */
    public static final class FieldsException extends RuntimeException {
        public FieldsException(String message) {
            super(message);
        }
    }

    public static final String UNITS_DEFAULT = "unit,machine,active,sub";
    public static final String UNIT_FILES_DEFAULT = "unit,hash,dstate,state,target";
    public static final String MACHINES_DEFAULT = "machine,ip,metadata";

    /** Machines by ID, for the legend. */
    public static Map<String, Machine> machineIndex(List<Machine> machines) {
        Map<String, Machine> m = new TreeMap<>();
        for (Machine o : machines) {
            m.put(or(o.id(), ""), o);
        }
        return m;
    }

    /** {@code s}, or {@code absent} when the API left it out (as JSON-P's {@code getString(key, absent)}). */
    static String or(String s, String absent) {
        return s == null ? absent : s;
    }

    /** fleet's machineIDLegend: the first 8 characters and "..." unless full. */
    public static String idLegend(String id, boolean full) {
        if (full) {
            return id;
        }
        return (id.length() <= 8 ? id : id.substring(0, 8)) + "...";
    }

    /** fleet's machineFullLegend: the ID legend and "/ip" if known; an ID not among the machines is shown bare. */
    public static String fullLegend(String id, Map<String, Machine> machines, boolean full) {
        if (id == null || id.isEmpty()) {
            return "-";
        }
        Machine m = machines.get(id);
        if (m == null) {
            return id;
        }
        String legend = idLegend(id, full);
        String ip = m.primaryIP();
        return ip.isEmpty() ? legend : legend + "/" + ip;
    }

    static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    static UnitFile fileOf(Unit unit) {
        return UnitFile.of(unit.options());
    }

    static boolean isGlobal(Unit unit) {
        return Requirements.of(or(unit.name(), ""), fileOf(unit)).global();
    }

    /** Parses --fields against the valid names; fleet's messages. */
    public static List<String> fields(String spec, Iterable<String> valid) {
        if (spec == null || spec.isBlank()) {
            throw new FieldsException("Must define output format");
        }
        List<String> out = new ArrayList<>();
        for (String f : spec.split(",")) {
            boolean ok = false;
            for (String v : valid) {
                ok |= v.equals(f);
            }
            if (!ok) {
                throw new FieldsException("Invalid key in output format: \"" + f + "\"");
            }
            out.add(f);
        }
        return out;
    }

    // ---- list-units ------------------------------------------------------------------------------------------

    public static final Map<String, BiFunction<Ctx, UnitState, String>> UNIT_STATE_FIELDS = new LinkedHashMap<>();
    public static final Map<String, BiFunction<Ctx, Unit, String>> UNIT_FILE_FIELDS = new LinkedHashMap<>();
    public static final Map<String, BiFunction<Ctx, Machine, String>> MACHINE_FIELDS = new LinkedHashMap<>();

    /** What a cell needs besides its row. */
    public record Ctx(Map<String, Machine> machines, boolean full) {
    }

    static {
        UNIT_STATE_FIELDS.put("unit", (c, s) -> dash(s.name()));
        UNIT_STATE_FIELDS.put("machine", (c, s) -> fullLegend(s.machineId(), c.machines(), c.full()));
        UNIT_STATE_FIELDS.put("load", (c, s) -> dash(s.loadState()));
        UNIT_STATE_FIELDS.put("active", (c, s) -> dash(s.activeState()));
        UNIT_STATE_FIELDS.put("sub", (c, s) -> dash(s.subState()));
        UNIT_STATE_FIELDS.put("hash", (c, s) -> {
            String h = s.hash();
            return h.isEmpty() ? "-" : c.full() || h.length() <= 7 ? h : h.substring(0, 7);
        });

        UNIT_FILE_FIELDS.put("unit", (c, u) -> dash(u.name()));
        UNIT_FILE_FIELDS.put("hash", (c, u) -> {
            UnitFile f = fileOf(u);
            return c.full() ? f.hash() : f.shortHash();
        });
        UNIT_FILE_FIELDS.put("desc", (c, u) -> {
            List<String> d = fileOf(u).values("Unit", "Description");
            return d.isEmpty() ? "-" : dash(d.get(d.size() - 1));
        });
        UNIT_FILE_FIELDS.put("dstate", (c, u) -> dash(u.desiredState()));
        UNIT_FILE_FIELDS.put("state", (c, u) -> isGlobal(u) ? "-" : dash(u.currentState()));
        UNIT_FILE_FIELDS.put("target", (c, u) -> isGlobal(u) ? "global"
                : fullLegend(u.machineID(), c.machines(), c.full()));
        UNIT_FILE_FIELDS.put("tmachine", UNIT_FILE_FIELDS.get("target"));
        UNIT_FILE_FIELDS.put("global", (c, u) -> String.valueOf(isGlobal(u)));

        MACHINE_FIELDS.put("machine", (c, m) -> idLegend(or(m.id(), ""), c.full()));
        MACHINE_FIELDS.put("ip", (c, m) -> dash(m.primaryIP()));
        MACHINE_FIELDS.put("metadata", (c, m) -> {
            if (m.metadata().isEmpty()) {
                return "-";
            }
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, String> e : m.metadata().entrySet()) { // in key order: Machine keeps them sorted
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(e.getKey()).append('=').append(e.getValue());
            }
            return sb.toString();
        });
    }

    static <T> String render(List<T> rows, List<String> fields, Map<String, BiFunction<Ctx, T, String>> fns,
                             Ctx ctx, boolean legend) {
        // plain loops: a listing of 1,000 rows runs once per process, cold, where each stream pipeline costs more
        // than the cells it builds
        List<BiFunction<Ctx, T, String>> cells = new ArrayList<>(fields.size());
        List<String> header = new ArrayList<>(fields.size());
        for (String f : fields) {
            cells.add(fns.get(f));
            header.add(f.toUpperCase(java.util.Locale.ROOT));
        }
        List<List<String>> lines = new ArrayList<>(rows.size() + 1);
        if (legend) {
            lines.add(header);
        }
        for (T r : rows) {
            String[] line = new String[cells.size()];
            for (int i = 0; i < line.length; i++) {
                line[i] = cells.get(i).apply(ctx, r);
            }
            lines.add(java.util.Arrays.asList(line));
        }
        return tabwriter(lines);
    }

    /**
     * Orders rows by name, then (states) by machine ID; a missing one sorts as "". Classes rather than
     * {@code Comparator.comparing}: the JDK spins that one's lambdas anew on every run, as the class-data archive
     * cannot hold them.
     */
    private static final class ByNameAndMachine implements Comparator<UnitState> {
        @Override
        public int compare(UnitState a, UnitState b) {
            int c = or(a.name(), "").compareTo(or(b.name(), ""));
            return c != 0 ? c : or(a.machineId(), "").compareTo(or(b.machineId(), ""));
        }
    }

    private static final class ByName implements Comparator<Unit> {
        @Override
        public int compare(Unit a, Unit b) {
            return or(a.name(), "").compareTo(or(b.name(), ""));
        }
    }

    private static final class ById implements Comparator<Machine> {
        @Override
        public int compare(Machine a, Machine b) {
            return or(a.id(), "").compareTo(or(b.id(), ""));
        }
    }

    /** list-units: states sorted by unit name, then machine ID. */
    public static String listUnits(List<UnitState> states, List<Machine> machines, List<String> fields, boolean full, boolean legend) {
        List<UnitState> rows = new ArrayList<>(states);
        rows.sort(new ByNameAndMachine());
        return render(rows, fields, UNIT_STATE_FIELDS, new Ctx(machineIndex(machines), full), legend);
    }

    /** list-unit-files: units sorted by name. */
    public static String listUnitFiles(List<Unit> units, List<Machine> machines, List<String> fields, boolean full, boolean legend) {
        List<Unit> rows = new ArrayList<>(units);
        rows.sort(new ByName());
        return render(rows, fields, UNIT_FILE_FIELDS, new Ctx(machineIndex(machines), full), legend);
    }

    /** list-machines: machines sorted by ID. */
    public static String listMachines(List<Machine> machines, List<String> fields, boolean full, boolean legend) {
        List<Machine> rows = new ArrayList<>(machines);
        rows.sort(new ById());
        return render(rows, fields, MACHINE_FIELDS, new Ctx(Map.of(), full), legend);
    }

    /**
     * Go's text/tabwriter as fleetctl configures it ({@code NewWriter(out, 0, 8, 1, '\t', 0)}), for rows written
     * as cells joined by tabs and ended by a newline: every cell but the last of a line is padded with tabs to the
     * column width (widest cell + 1, rounded up to a multiple of 8); the last cell is written as is.
     */
    public static String tabwriter(List<List<String>> lines) {
        int cols = 0;
        for (List<String> l : lines) {
            cols = Math.max(cols, l.size());
        }
        int[] width = new int[cols];
        for (List<String> l : lines) {
            for (int i = 0; i < l.size() - 1; i++) {
                width[i] = Math.max(width[i], l.get(i).length() + 1);
            }
        }
        StringBuilder sb = new StringBuilder(lines.size() * 64);
        for (List<String> l : lines) {
            for (int i = 0; i < l.size(); i++) {
                String cell = l.get(i);
                sb.append(cell);
                if (i < l.size() - 1) {
                    int cellw = (width[i] + 7) / 8 * 8;
                    int n = cellw - cell.length();
                    for (int tabs = (n + 7) / 8; tabs > 0; tabs--) {
                        sb.append('\t');
                    }
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
