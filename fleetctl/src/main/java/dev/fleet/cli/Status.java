package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Machine;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonWriterFactory;
import jakarta.json.stream.JsonGenerator;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** status: systemctl status of units on their machines, through the control plane and the machines' agents. */
final class Status extends UnitCommand {
    String output;
    int sshPort;

    Status() {
        super("Output the status of one or more units in the cluster",
                "Prints systemctl status of each unit on the machines it is on (every machine for a global unit),",
                "fetched by the control plane from the machines' agents: no SSH. Exit code as systemctl's:",
                "0 active, 3 not running, 1 unknown unit or a machine that did not answer.");
        add(option(String.class, () -> output, v -> output = v, "--output").paramLabel("FORMAT").defaultValue("text")
                .description("text (default) or json (the API's status objects)"));
        add(option(int.class, () -> sshPort, v -> sshPort = v, "--ssh-port").paramLabel("PORT").defaultValue("22")
                .description("accepted for fleet's sake: the status comes through the control plane, not SSH"));
    }

    @Override
    public Integer call() {
        if (!output.equals("text") && !output.equals("json")) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_USAGE, "Invalid value for --output: \"" + output + "\" (use text or json)");
        }
        if (noUnitsGiven()) {
            return Fleetctl.EXIT_OK;
        }
        Map<String, Machine> machines = null;
        JsonArrayBuilder all = Json.provider().createArrayBuilder();
        int code = Fleetctl.EXIT_OK;
        List<String> seen = new ArrayList<>();
        for (String a : args) {
            String name = mangle(a);
            if (seen.contains(name)) {
                continue;
            }
            FleetClient.Response r = unitStatus(name);
            if (r.status() == 404) {
                root.err.println("Unit " + name + " does not exist.");
                code = Math.max(code, Fleetctl.EXIT_FAILURE);
                continue;
            }
            if (r.status() != 200) {
                throw new FleetClient.ApiException(r.status(), r.errorMessage());
            }
            JsonObject answer = Json.object(r.body()); // its own shape: {"statuses":[...]}, passed on as is by --output=json
            if (output.equals("json")) {
                answer.getJsonArray("statuses").forEach(all::add);
                continue;
            }
            if (machines == null) {
                machines = Tables.machineIndex(machines());
            }
            AgentViews.Printed p = AgentViews.status(name, answer, machines);
            if (!seen.isEmpty()) {
                root.out.println(); // fleet: a blank line between units
            }
            seen.add(name);
            root.out.print(p.out());
            root.out.flush();
            root.err.print(p.err());
            code = p.code() == Fleetctl.EXIT_FAILURE || code == Fleetctl.EXIT_FAILURE ? Fleetctl.EXIT_FAILURE
                    : Math.max(code, p.code());
        }
        if (output.equals("json")) {
            StringWriter sw = new StringWriter();
            JsonWriterFactory f = Json.provider().createWriterFactory(Map.of(JsonGenerator.PRETTY_PRINTING, true));
            f.createWriter(sw).write(Json.provider().createObjectBuilder().add("statuses", all).build());
            root.out.println(sw.toString().strip());
        }
        return code;
    }
}
