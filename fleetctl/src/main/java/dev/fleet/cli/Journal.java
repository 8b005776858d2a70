package dev.fleet.cli;

import dev.fleet.client.FleetClient;

import java.util.ArrayList;
import java.util.List;

/** journal: journalctl -u UNIT of the unit's machine, streamed through the control plane from its agent. */
final class Journal extends Verb {
    int lines;
    boolean follow;
    String machine;
    String output;
    boolean sudo;
    int sshPort;
    List<String> args = new ArrayList<>();

    Journal() {
        super("Print the journal of a unit in the cluster to stdout",
                "journalctl -u UNIT of the unit's machine, streamed by the control plane from that machine's agent.",
                "With --follow it runs until interrupted (Ctrl-C). A global unit needs --machine.");
        synopsis("fleetctl journal [command options] UNIT");
        add(option(int.class, () -> lines, v -> lines = v, "-n", "--lines").paramLabel("N").defaultValue("10")
                .description("number of recent journal entries to show (0..10000, default ${DEFAULT-VALUE})"));
        add(flag(() -> follow, v -> follow = v, "-f", "--f", "--follow").description("continuously print new entries as they are appended"));
        add(option(String.class, () -> output, v -> output = v, "--output").paramLabel("MODE")
                .description("journalctl's output mode: short (default), short-iso, short-precise, verbose, json, cat, ..."));
        add(flag(() -> sudo, v -> sudo = v, "--sudo").description("accepted for fleet's sake: the agent runs journalctl as root"));
        add(option(int.class, () -> sshPort, v -> sshPort = v, "--ssh-port").paramLabel("PORT").defaultValue("22")
                .description("accepted for fleet's sake: the journal comes through the control plane, not SSH"));
        add(option(String.class, () -> machine, v -> machine = v, "--machine").paramLabel("ID")
                .description("the machine to read from (for a unit on several)"));
        add(arguments(() -> args, v -> args = v).arity("0..*").paramLabel("UNIT"));
    }

    @Override
    public Integer call() {
        String name = UnitCommand.singleUnit(root, args, "One unit file must be provided");
        if (name == null) {
            return Fleetctl.EXIT_FAILURE;
        }
        if (lines < 0 || lines > 10_000) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_USAGE, "--lines must be between 0 and 10000");
        }
        FleetClient.Response r = root.client().journal(name, lines, follow, machine, output, root.out);
        if (r == null) {
            return Fleetctl.EXIT_OK;
        }
        String message = r.errorMessage();
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
