package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Codec;
import dev.fleet.schema.Machine;
import dev.fleet.schema.Page;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonWriterFactory;
import jakarta.json.stream.JsonGenerator;

import java.io.StringWriter;
import java.util.List;
import java.util.Map;

/** list-units, list-unit-files, list-machines. */
final class Lists {
    private Lists() {
    }

    abstract static class ListCommand extends Verb {
        boolean noLegend;
        String output;
        String fields;
        boolean full;

        /** {@code fieldNames}: the columns --fields may name (its help), {@code fieldsDefault}: its default. */
        ListCommand(String description, String fieldNames, String fieldsDefault) {
            super(description);
            add(flag(() -> noLegend, v -> noLegend = v, "--no-legend").description("do not print a legend (column headers)"));
            add(option(String.class, () -> output, v -> output = v, "--output").paramLabel("FORMAT").defaultValue("table")
                    .description("table (default) or json (the API's objects and field names)"));
            add(option(String.class, () -> fields, v -> fields = v, "--fields").paramLabel("<fields>").defaultValue(fieldsDefault)
                    .description("columns, comma-separated: " + fieldNames + " (default ${DEFAULT-VALUE})"));
        }

        /** --full, with -l where fleet documented it (and --l, as fleet registered it). */
        final void fullOption(String... names) {
            add(flag(() -> full, v -> full = v, names).description("do not ellipsize fields on output"));
        }

        void checkOutput() {
            if (!output.equals("table") && !output.equals("json")) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_USAGE, "Invalid value for --output: \"" + output + "\" (use table or json)");
            }
        }

        int json(String text) {
            root.out.println(text);
            return Fleetctl.EXIT_OK;
        }

        /**
         * {@code --output=json}: {@code {"field":[...]}} pretty printed, the list written out even when empty, each
         * item as the API writes it ({@code page}: the listing as one page, in {@link Codec}'s form).
         */
        static String jsonText(String field, String page) {
            JsonArray items = Json.object(page).getJsonArray(field); // Codec leaves an empty page's list out
            JsonObject all = Json.provider().createObjectBuilder()
                    .add(field, items == null ? JsonArray.EMPTY_JSON_ARRAY : items).build();
            StringWriter sw = new StringWriter();
            JsonWriterFactory f = Json.provider().createWriterFactory(Map.of(JsonGenerator.PRETTY_PRINTING, true));
            f.createWriter(sw).write(all);
            return sw.toString().strip();
        }

        List<Machine> machinesOrFail() {
            try {
                return root.client().machines();
            } catch (FleetClient.ApiException | FleetClient.Unreachable e) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error retrieving list of active machines from fleet API ("
                        + e.getMessage() + ")\nPossible issues: the fleet API is unhealthy and/or lost quorum;"
                        + " connection cannot be established to any endpoint");
            }
        }
    }

    static final long WATCH_INTERVAL_MS = 1000;

    /**
     * Prints {@code render}'s text, then again each time it differs, polling every {@code intervalMs}, until the
     * thread is interrupted (or the process is, by Ctrl-C). On a terminal each listing replaces the last one; piped,
     * listings follow each other separated by a blank line. A failed poll prints its error and keeps watching.
     */
    static void watch(java.util.function.Supplier<String> render, java.io.PrintStream out, boolean terminal, long intervalMs) {
        String last = null;
        while (!Thread.currentThread().isInterrupted()) {
            String now;
            try {
                now = render.get();
            } catch (FleetClient.Unreachable | FleetClient.ApiException | Fleetctl.Fail e) {
                now = "Error: " + e.getMessage() + "\n";
            }
            if (!now.equals(last)) {
                if (terminal) {
                    out.print("\033[H\033[2J"); // cursor home, clear screen
                } else if (last != null) {
                    out.println();
                }
                out.print(now);
                out.flush();
                last = now;
            }
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class ListUnits extends ListCommand {
        boolean watch;

        ListUnits() {
            super("List the current state of units in the cluster", "unit, machine, load, active, sub, hash", Tables.UNITS_DEFAULT);
            fullOption("-l", "--l", "--full");
            add(flag(() -> watch, v -> watch = v, "-w", "--watch").description("redraw the listing whenever it changes,"
                    + " until interrupted (it polls the API every second: API v1 has no watch of states)"));
        }

        @Override
        public Integer call() {
            checkOutput();
            List<String> f = Tables.fields(fields, Tables.UNIT_STATE_FIELDS.keySet());
            if (watch) {
                watch(() -> render(f), root.out, System.console() != null, WATCH_INTERVAL_MS);
                return Fleetctl.EXIT_OK;
            }
            root.out.print(render(f));
            return Fleetctl.EXIT_OK;
        }

        String render(List<String> f) {
            FleetClient client = root.client();
            boolean machineColumn = !output.equals("json") && f.contains("machine");
            if (machineColumn) {
                client.readEarly(FleetClient.MACHINES); // the machines (for the legend) are read while the states are
            }
            List<UnitState> states = client.states();
            if (output.equals("json")) {
                return jsonText("states", Codec.statePage(new Page<>(states, null))) + "\n";
            }
            List<Machine> machines = machineColumn ? machinesOrFail() : List.of();
            return Tables.listUnits(states, machines, f, full, !noLegend);
        }
    }

    static final class ListUnitFiles extends ListCommand {
        ListUnitFiles() {
            super("List the units that exist in the cluster", "unit, hash, desc, dstate, state, target, global", Tables.UNIT_FILES_DEFAULT);
            fullOption("--full");
        }

        @Override
        public Integer call() {
            checkOutput();
            List<String> f = Tables.fields(fields, Tables.UNIT_FILE_FIELDS.keySet());
            if (f.contains("tmachine")) {
                root.err.println("WARNING: The \"tmachine\" field is deprecated. Use \"target\" instead.");
            }
            List<Unit> units = root.client().units();
            if (output.equals("json")) {
                return json(jsonText("units", Codec.unitPage(new Page<>(units, null))));
            }
            List<Machine> machines = f.contains("target") || f.contains("tmachine") ? machinesOrFail() : List.of();
            root.out.print(Tables.listUnitFiles(units, machines, f, full, !noLegend));
            return Fleetctl.EXIT_OK;
        }
    }

    static final class ListMachines extends ListCommand {
        ListMachines() {
            super("Enumerate the current hosts in the cluster", "machine, ip, metadata", Tables.MACHINES_DEFAULT);
            fullOption("-l", "--l", "--full");
        }

        @Override
        public Integer call() {
            checkOutput();
            List<String> f = Tables.fields(fields, Tables.MACHINE_FIELDS.keySet());
            List<Machine> machines = machinesOrFail();
            if (output.equals("json")) {
                return json(jsonText("machines", Codec.machinePage(new Page<>(machines, null))));
            }
            root.out.print(Tables.listMachines(machines, f, full, !noLegend));
            return Fleetctl.EXIT_OK;
        }
    }
}
