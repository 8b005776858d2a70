package dev.fleet.cli;

import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonWriterFactory;
import jakarta.json.stream.JsonGenerator;
import picocli.AutoComplete;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The verbs that need the machines' agents (fleet used SSH): status and journal; and why, completion. */
final class AgentVerbs {
    private AgentVerbs() {
    }

    static final class Status extends UnitCommand {
        String output;

        Status() {
            super("Output the status of one or more units in the cluster",
                    "Prints systemctl status of each unit on the machines it is on (every machine for a global unit),",
                    "fetched by the control plane from the machines' agents: no SSH. Exit code as systemctl's:",
                    "0 active, 3 not running, 1 unknown unit or a machine that did not answer.");
            add(option(String.class, () -> output, v -> output = v, "--output").paramLabel("FORMAT").defaultValue("text")
                    .description("text (default) or json (the API's status objects)"));
        }

        @Override
        public Integer call() {
            if (!output.equals("text") && !output.equals("json")) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_USAGE, "Invalid value for --output: \"" + output + "\" (use text or json)");
            }
            if (args.isEmpty()) {
                root.err.println("No units given");
                return Fleetctl.EXIT_OK;
            }
            Map<String, JsonObject> machines = null;
            JsonArrayBuilder all = Json.provider().createArrayBuilder();
            int code = Fleetctl.EXIT_OK;
            List<String> seen = new ArrayList<>();
            for (String a : args) {
                String name = UnitCommand.mangle(a);
                if (seen.contains(name)) {
                    continue;
                }
                ApiClient.Response r = unitStatus(name);
                if (r.status() == 404) {
                    root.err.println("Unit " + name + " does not exist.");
                    code = Math.max(code, Fleetctl.EXIT_FAILURE);
                    continue;
                }
                if (r.status() != 200) {
                    throw new ApiClient.ApiException(r.status(), ApiClient.errorMessage(r));
                }
                JsonObject answer = r.json();
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

    static final class Journal extends Verb {
        int lines;
        boolean follow;
        String machine;
        List<String> args = new ArrayList<>();

        Journal() {
            super("Print the journal of a unit in the cluster to stdout",
                    "journalctl -u UNIT of the unit's machine, streamed by the control plane from that machine's agent.",
                    "With --follow it runs until interrupted (Ctrl-C). A global unit needs --machine.");
            synopsis("fleetctl journal [command options] UNIT");
            add(option(int.class, () -> lines, v -> lines = v, "-n", "--lines").paramLabel("N").defaultValue("10")
                    .description("number of recent journal entries to show (0..10000, default ${DEFAULT-VALUE})"));
            add(flag(() -> follow, v -> follow = v, "-f", "--follow").description("continuously print new entries as they are appended"));
            add(option(String.class, () -> machine, v -> machine = v, "--machine").paramLabel("ID")
                    .description("the machine to read from (for a unit on several)"));
            add(arguments(() -> args, v -> args = v).arity("0..*").paramLabel("UNIT"));
        }

        @Override
        public Integer call() {
            if (args.size() != 1) {
                root.err.println("One unit file must be provided");
                return Fleetctl.EXIT_FAILURE;
            }
            if (lines < 0 || lines > 10_000) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_USAGE, "--lines must be between 0 and 10000");
            }
            String name = UnitCommand.mangle(args.get(0));
            ApiClient.Response r = root.client().journal(name, lines, follow, machine, root.out);
            if (r == null) {
                return Fleetctl.EXIT_OK;
            }
            String message = ApiClient.errorMessage(r);
            if (r.status() == 404 && message.equals("unit does not exist")) {
                root.err.println("Unit " + name + " does not exist.");
            } else if (r.status() == 409) {
                root.err.println("Unit " + name + " does not appear to be running: " + message);
            } else {
                root.err.println("Unable to retrieve journal of unit " + name + ": " + message);
            }
            return Fleetctl.EXIT_FAILURE;
        }
    }

    static final class Why extends UnitCommand {
        Why() {
            super("Explain why a unit is not placed or not running",
                    "The engine's reason for a unit without a machine; for a placed unit its desired and current state",
                    "and systemd's state and result on each machine.");
            synopsis("fleetctl why UNIT");
        }

        @Override
        public Integer call() {
            if (args.size() != 1) {
                root.err.println("One unit must be provided");
                return Fleetctl.EXIT_FAILURE;
            }
            String name = UnitCommand.mangle(args.get(0));
            Optional<JsonObject> u = unit(name);
            JsonArray states = u.isPresent() ? states(name) : JsonArray.EMPTY_JSON_ARRAY;
            Map<String, JsonObject> machines = u.isPresent() ? Tables.machineIndex(machines()) : Map.of();
            AgentViews.Printed p = AgentViews.why(name, u.orElse(null), states, machines);
            root.out.print(p.out());
            root.err.print(p.err());
            return p.code();
        }
    }

    static final class Completion extends Verb {
        String shell;

        Completion() {
            super("Print a shell completion script",
                    "bash: source <(fleetctl completion bash), or save it in /etc/bash_completion.d/fleetctl.");
            synopsis("fleetctl completion bash");
            add(argument(String.class, () -> shell, v -> shell = v).arity("1").paramLabel("SHELL")
                    .description("bash (zsh can load it with bashcompinit)"));
        }

        @Override
        public Integer call() {
            if (!shell.equals("bash")) {
                root.err.println("Unsupported shell \"" + shell + "\": only bash (zsh: autoload bashcompinit; bashcompinit)");
                return Fleetctl.EXIT_USAGE;
            }
            root.out.print(AutoComplete.bash("fleetctl", spec.parent().commandLine()));
            return Fleetctl.EXIT_OK;
        }
    }
}
