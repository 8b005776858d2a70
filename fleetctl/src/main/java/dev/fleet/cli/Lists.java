package dev.fleet.cli;

import jakarta.json.JsonArray;
import jakarta.json.JsonWriterFactory;
import jakarta.json.stream.JsonGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** list-units, list-unit-files, list-machines. */
final class Lists {
    private Lists() {
    }

    abstract static class ListCommand implements Callable<Integer> {
        @ParentCommand
        Fleetctl root;

        @Option(names = "--no-legend", description = "do not print a legend (column headers)")
        boolean noLegend;

        @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "table",
                description = "table (default) or json (the API's objects and field names)")
        String output;

        String fieldsSpec() {
            return null;
        }

        void checkOutput() {
            if (!output.equals("table") && !output.equals("json")) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_USAGE, "Invalid value for --output: \"" + output + "\" (use table or json)");
            }
        }

        int json(String field, JsonArray items) {
            root.out.println(jsonText(field, items));
            return Fleetctl.EXIT_OK;
        }

        static String jsonText(String field, JsonArray items) {
            StringWriter sw = new StringWriter();
            JsonWriterFactory f = ApiClient.JSON.createWriterFactory(Map.of(JsonGenerator.PRETTY_PRINTING, true));
            f.createWriter(sw).write(ApiClient.JSON.createObjectBuilder().add(field, items).build());
            return sw.toString().strip();
        }

        JsonArray machinesOrFail() {
            try {
                return root.client().machines();
            } catch (ApiClient.ApiException | ApiClient.UnreachableException e) {
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
            } catch (ApiClient.UnreachableException | ApiClient.ApiException | Fleetctl.Fail e) {
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

    @Command(name = "list-units", description = "List the current state of units in the cluster")
    static final class ListUnits extends ListCommand {
        @Option(names = "--fields", defaultValue = Tables.UNITS_DEFAULT,
                description = "columns, comma-separated: unit, machine, load, active, sub, hash (default ${DEFAULT-VALUE})")
        String fields;

        @Option(names = {"-l", "--full"}, description = "do not ellipsize fields on output")
        boolean full;

        @Option(names = {"-w", "--watch"}, description = "redraw the listing whenever it changes, until interrupted"
                + " (it polls the API every second: API v1 has no watch of states)")
        boolean watch;

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
            // the machines (for the legend) are fetched while the states are
            java.util.concurrent.CompletableFuture<JsonArray> machinesAhead = !output.equals("json") && f.contains("machine")
                    ? java.util.concurrent.CompletableFuture.supplyAsync(this::machinesOrFail) : null;
            JsonArray states = root.client().states();
            if (output.equals("json")) {
                return jsonText("states", states) + "\n";
            }
            JsonArray machines = machinesAhead != null ? joinMachines(machinesAhead) : JsonArray.EMPTY_JSON_ARRAY;
            return Tables.listUnits(states, machines, f, full, !noLegend);
        }

        private static JsonArray joinMachines(java.util.concurrent.CompletableFuture<JsonArray> f) {
            try {
                return f.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
        }
    }

    @Command(name = "list-unit-files", description = "List the units that exist in the cluster")
    static final class ListUnitFiles extends ListCommand {
        @Option(names = "--fields", defaultValue = Tables.UNIT_FILES_DEFAULT,
                description = "columns, comma-separated: unit, hash, desc, dstate, state, target, global (default ${DEFAULT-VALUE})")
        String fields;

        @Option(names = "--full", description = "do not ellipsize fields on output")
        boolean full;

        @Override
        public Integer call() {
            checkOutput();
            List<String> f = Tables.fields(fields, Tables.UNIT_FILE_FIELDS.keySet());
            if (f.contains("tmachine")) {
                root.err.println("WARNING: The \"tmachine\" field is deprecated. Use \"target\" instead.");
            }
            JsonArray units = root.client().units();
            if (output.equals("json")) {
                return json("units", units);
            }
            JsonArray machines = f.contains("target") || f.contains("tmachine") ? machinesOrFail() : JsonArray.EMPTY_JSON_ARRAY;
            root.out.print(Tables.listUnitFiles(units, machines, f, full, !noLegend));
            return Fleetctl.EXIT_OK;
        }
    }

    @Command(name = "list-machines", description = "Enumerate the current hosts in the cluster")
    static final class ListMachines extends ListCommand {
        @Option(names = "--fields", defaultValue = Tables.MACHINES_DEFAULT,
                description = "columns, comma-separated: machine, ip, metadata (default ${DEFAULT-VALUE})")
        String fields;

        @Option(names = {"-l", "--full"}, description = "do not ellipsize fields on output")
        boolean full;

        @Override
        public Integer call() {
            checkOutput();
            List<String> f = Tables.fields(fields, Tables.MACHINE_FIELDS.keySet());
            JsonArray machines = machinesOrFail();
            if (output.equals("json")) {
                return json("machines", machines);
            }
            root.out.print(Tables.listMachines(machines, f, full, !noLegend));
            return Fleetctl.EXIT_OK;
        }
    }
}
