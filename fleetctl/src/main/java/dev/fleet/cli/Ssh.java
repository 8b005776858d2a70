package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ssh: a shell, or a command, on a machine of the cluster (fleet's cmd_ssh), with the system's OpenSSH client. The
 * machine is found by ID prefix ({@code --machine}), by the machine a unit is on ({@code --unit}), or by the first
 * argument, which must then name exactly one of the two. Its address is the machine's public IP from the API.
 */
final class Ssh extends Verb {
    String machine;
    String unit;
    boolean forwardAgent;
    int sshPort;
    List<String> args = new ArrayList<>();

    Ssh() {
        super("Open interactive shell on a machine in the cluster",
                "Runs the system's ssh (user --ssh-username, through --tunnel if given) to the machine's public IP.",
                "Without a command it opens a shell; everything after the target (or after --) is the command,",
                "run by the remote shell. The exit code is ssh's: the remote command's, 255 when ssh fails.");
        synopsis("fleetctl ssh [command options] [MACHINE|UNIT] [COMMAND...]");
        // everything after the target is the remote command, options included (fleetctl ssh m1 ls -l)
        spec.parser().stopAtPositional(true);
        add(option(String.class, () -> machine, v -> machine = v, "--machine").paramLabel("ID")
                .description("open the connection to this machine (ID or unique ID prefix)"));
        add(option(String.class, () -> unit, v -> unit = v, "--unit").paramLabel("NAME")
                .description("open the connection to the machine this unit is on"));
        add(flag(() -> forwardAgent, v -> forwardAgent = v, "-A", "--A", "--forward-agent")
                .description("forward the local ssh-agent to the machine"));
        add(option(int.class, () -> sshPort, v -> sshPort = v, "--ssh-port").paramLabel("PORT").defaultValue("22")
                .description("port of the machine's sshd (default ${DEFAULT-VALUE})"));
        add(arguments(() -> args, v -> args = v).arity("0..*").paramLabel("ARGS"));
    }

    /** Why the machine could not be found (fleet: "Unable to proceed: ..."). */
    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        boolean byMachine = machine != null && !machine.isEmpty();
        boolean byUnit = unit != null && !unit.isEmpty();
        if (byMachine && byUnit) {
            root.err.println("Both machine and unit flags provided, please specify only one.");
            return Fleetctl.EXIT_FAILURE;
        }
        List<String> rest = new ArrayList<>(args);
        String addr;
        try {
            if (byMachine) {
                addr = machineAddress(machine).orElseThrow();
            } else if (byUnit) {
                addr = unitAddress(unit).orElse("");
            } else {
                addr = lookup(rest);
                rest.remove(0);
            }
        } catch (NotFound e) {
            root.err.println("Unable to proceed: " + e.getMessage());
            return Fleetctl.EXIT_FAILURE;
        }
        if (addr.isEmpty()) {
            root.err.println("Could not determine address of machine.");
            return Fleetctl.EXIT_FAILURE;
        }
        if (sshPort < 1 || sshPort > 65535) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_USAGE, "--ssh-port must be between 1 and 65535");
        }
        SshOptions ssh = root.ssh();
        List<String> argv = ssh.sshArgv(addr, sshPort, forwardAgent, SshOptions.trimToDashes(rest));
        if (root.debug) {
            root.err.println("DEBUG " + String.join(" ", argv));
        }
        return run(argv, ssh, root.err);
    }

    /** Runs ssh on this terminal (standard input, output and error are the user's); its exit code. */
    static int run(List<String> argv, SshOptions ssh, java.io.PrintStream err) {
        if (ssh.strict()) {
            try { // ssh would not create the directory of a known-hosts file that is not there yet
                Path parent = Path.of(ssh.knownHostsFile()).toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    Files.createDirectories(parent);
                }
            } catch (IOException | RuntimeException e) {
                // ssh says what is wrong with it
            }
        }
        Process p;
        try {
            p = new ProcessBuilder(argv).inheritIO().start();
        } catch (IOException e) {
            err.println("Failed building SSH client: cannot run " + argv.get(0) + ": " + e.getMessage());
            return Fleetctl.EXIT_FAILURE;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return p.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true; // Ctrl-C reaches ssh too (same process group): wait for it to end
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** fleet's findAddressInMachineList: the public IP of the one machine whose ID starts with {@code prefix}. */
    private Optional<String> machineAddress(String prefix) {
        Machine match = null;
        for (Machine m : machinesOrFail()) {
            if (!m.id().startsWith(prefix)) {
                continue;
            }
            if (match != null) {
                throw new NotFound("found more than one machine");
            }
            match = m;
        }
        if (match == null) {
            throw new NotFound("machine does not exist");
        }
        return Optional.of(match.primaryIP());
    }

    /** fleet's findAddressInRunningUnits: the public IP of the machine the unit is on, empty when unknown. */
    private Optional<String> unitAddress(String arg) {
        String name = UnitCommand.mangle(arg);
        Optional<Unit> u;
        try {
            u = root.client().unit(name);
        } catch (FleetClient.ApiException | FleetClient.Unreachable e) {
            throw new NotFound(e.getMessage());
        }
        if (u.isEmpty()) {
            throw new NotFound("unit does not exist");
        }
        if (Tables.isGlobal(u.get())) {
            throw new NotFound("global units unsupported");
        }
        String target = u.get().machineID();
        if (target == null || target.isEmpty()) {
            return Optional.empty();
        }
        for (Machine m : machinesOrFail()) {
            if (m.id().equals(target) && !m.primaryIP().isEmpty()) {
                return Optional.of(m.primaryIP());
            }
        }
        return Optional.empty();
    }

    /** fleet's globalMachineLookup: the first argument names a machine (ID prefix) or a unit, not both. */
    private String lookup(List<String> rest) {
        if (rest.isEmpty()) {
            throw new NotFound("one machine or unit must be provided");
        }
        String arg = rest.get(0);
        String machineAddr = null;
        String unitAddr = null;
        try {
            machineAddr = machineAddress(arg).orElse(null);
        } catch (NotFound e) {
            // not a machine
        }
        try {
            unitAddr = unitAddress(arg).orElse(null);
        } catch (NotFound e) {
            // not a unit
        }
        if (machineAddr != null && unitAddr != null) {
            throw new NotFound("ambiguous argument, both machine and unit found for `" + arg
                    + "`.\nPlease use flag `--machine` or `--unit` to refine the search");
        }
        if (machineAddr != null) {
            return machineAddr;
        }
        if (unitAddr != null) {
            return unitAddr;
        }
        throw new NotFound("could not find matching unit or machine");
    }

    private List<Machine> machinesOrFail() {
        try {
            return root.client().machines();
        } catch (FleetClient.ApiException | FleetClient.Unreachable e) {
            throw new NotFound(e.getMessage());
        }
    }
}
