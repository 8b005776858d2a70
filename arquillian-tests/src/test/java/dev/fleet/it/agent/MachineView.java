package dev.fleet.it.agent;

import dev.fleet.schema.Unit;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.Sh;
import dev.fleet.testkit.machines.SystemdMachine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** What the machines' own systemd says (systemctl inside the machine), and the units directory there. */
final class MachineView {
    static final String UNITS_DIR = "run/fleet/units";

    private MachineView() {
    }

    /** {@code systemctl show} of one unit: LoadState, ActiveState, SubState, Result, InvocationID, UnitFileState, ExecMainStatus. */
    static Map<String, String> show(SystemdMachine m, String unit) {
        return showAll(m, List.of(unit)).get(unit);
    }

    /** {@code systemctl show} of several units in one call, by unit name. */
    static Map<String, Map<String, String>> showAll(SystemdMachine m, List<String> units) {
        List<String> cmd = new ArrayList<>(List.of("systemctl", "show",
                "-p", "Id,LoadState,ActiveState,SubState,Result,InvocationID,UnitFileState,ExecMainStatus", "--"));
        cmd.addAll(units);
        Sh.Result r = m.exec(cmd.toArray(String[]::new));
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        int i = 0;
        for (String block : r.output().split("\n\n")) {
            Map<String, String> props = new LinkedHashMap<>();
            for (String line : block.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    props.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            if (i < units.size()) {
                out.put(units.get(i++), props);
            }
        }
        return out;
    }

    static String activeState(SystemdMachine m, String unit) {
        return show(m, unit).getOrDefault("ActiveState", "");
    }

    /** True if the unit's file is in the machine's units directory. */
    static boolean fileLoaded(SystemdMachine m, String unit) {
        return Files.exists(m.rootPath().resolve(UNITS_DIR).resolve(unit));
    }

    static List<String> unitFiles(SystemdMachine m) throws IOException {
        Path dir = m.rootPath().resolve(UNITS_DIR);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().collect(Collectors.toList());
        }
    }

    /** The machine the API says a unit is on. */
    static Optional<SystemdMachine> machineOf(DevCluster c, String unit) {
        Optional<Unit> u = c.client().unit(unit);
        if (u.isEmpty() || u.get().machineID() == null || u.get().machineID().isEmpty()) {
            return Optional.empty();
        }
        String id = u.get().machineID();
        return c.machines().stream().filter(m -> m.machineId().equals(id)).findFirst();
    }

    /** The live machines on which systemd has the unit active (or activating/reloading). */
    static List<String> activeOn(DevCluster c, String unit) {
        List<String> out = new ArrayList<>();
        for (SystemdMachine m : c.machines()) {
            if (m.isAlive() && List.of("active", "activating", "reloading").contains(activeState(m, unit))) {
                out.add(m.name());
            }
        }
        return out;
    }

    /**
     * {@code bin/fleetctl ARGS} run inside the machine (as a user of that host would), with the test JVM's JDK first on
     * the PATH; 90 s at most.
     */
    static Sh.Result fleetctlIn(SystemdMachine m, String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "PATH=" + hostJdkPath(),
                dev.fleet.testkit.FleetCluster.repositoryRoot().resolve("bin/fleetctl").toString()));
        cmd.addAll(List.of(args));
        return m.exec(java.time.Duration.ofSeconds(90), cmd.toArray(String[]::new));
    }

    /** A PATH with this JVM's JDK first: the machines see the host's files, and bin/ scripts run java from the PATH. */
    static String hostJdkPath() {
        return Path.of(System.getProperty("java.home"), "bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    }

    /** Fails with the command's output unless it exited 0. */
    static void check(Sh.Result r) {
        org.assertj.core.api.Assertions.assertThat(r.exitCode()).as(r.output()).isZero();
    }
}
