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
            StringWriter sw = new StringWriter();
            JsonWriterFactory f = ApiClient.JSON.createWriterFactory(Map.of(JsonGenerator.PRETTY_PRINTING, true));
            f.createWriter(sw).write(ApiClient.JSON.createObjectBuilder().add(field, items).build());
            root.out.println(sw.toString().strip());
            return Fleetctl.EXIT_OK;
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

    @Command(name = "list-units", description = "List the current state of units in the cluster")
    static final class ListUnits extends ListCommand {
        @Option(names = "--fields", defaultValue = Tables.UNITS_DEFAULT,
                description = "columns, comma-separated: unit, machine, load, active, sub, hash (default ${DEFAULT-VALUE})")
        String fields;

        @Option(names = {"-l", "--full"}, description = "do not ellipsize fields on output")
        boolean full;

        @Override
        public Integer call() {
            checkOutput();
            List<String> f = Tables.fields(fields, Tables.UNIT_STATE_FIELDS.keySet());
            JsonArray states = root.client().states();
            if (output.equals("json")) {
                return json("states", states);
            }
            JsonArray machines = f.contains("machine") ? machinesOrFail() : JsonArray.EMPTY_JSON_ARRAY;
            root.out.print(Tables.listUnits(states, machines, f, full, !noLegend));
            return Fleetctl.EXIT_OK;
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
