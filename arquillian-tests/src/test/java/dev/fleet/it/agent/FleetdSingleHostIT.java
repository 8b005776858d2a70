package dev.fleet.it.agent;

import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.Sh;
import dev.fleet.testkit.machines.SystemdMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's first command on a host with systemd: {@code bin/fleetd} alone gives a one-host fleet (a node plus
 * this host's agent on its systemd), and {@code bin/fleetctl start} of a unit file runs it on that systemd. The host
 * is a test machine (root, systemd as PID 1), so nothing runs on the real host's systemd.
 */
class FleetdSingleHostIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(0).machines(1).agents(false);

    @Test
    void fleetdAloneRunsAUnitOnThisHostsSystemd() throws Exception {
        SystemdMachine m = FLEET.cluster().machine("m1");
        String root = FleetCluster.repositoryRoot().toString();
        String path = Path.of(System.getProperty("java.home"), "bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        // as a user would start it in a shell; a data directory of the machine's own (not one the host may have)
        check(m.exec("systemd-run", "--unit=fleetd-readme", "--setenv=PATH=" + path, "--setenv=HOME=/root",
                "--setenv=XDG_DATA_HOME=/var/lib/fleetd-readme", root + "/bin/fleetd"));
        try {
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> fleetctl(m, path, root, "list-machines", "--no-legend").output().strip().lines().count() == 1);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no machine registered with fleetd; list-machines: "
                        + fleetctl(m, path, root, "list-machines").output() + "\nfleetd: "
                        + m.exec("journalctl", "-u", "fleetd-readme", "--no-pager", "-n", "80").output(), e);
            }

            Path unitFile = m.hostPath("/root/readme-hello.service");
            Files.writeString(unitFile, "[Service]\nExecStart=/bin/sleep 100000\n");
            Sh.Result start = fleetctl(m, path, root, "start", "/root/readme-hello.service");
            assertThat(start.exitCode()).as(start.output()).isZero();
            assertThat(start.output()).contains("Unit readme-hello.service launched on " + m.machineId().substring(0, 8));
            assertThat(MachineView.activeState(m, "readme-hello.service")).isEqualTo("active");
            assertThat(fleetctl(m, path, root, "list-units", "--no-legend").output()).contains("readme-hello.service")
                    .contains("active").contains("running");
        } finally {
            m.exec("systemctl", "stop", "fleetd-readme.service");
        }
        // stopping fleetd stops its agent first: the unit is unloaded from this host's systemd
        assertThat(MachineView.activeState(m, "readme-hello.service")).isNotEqualTo("active");
    }

    static Sh.Result fleetctl(SystemdMachine m, String path, String root, String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "env";
        full[1] = "PATH=" + path;
        full[2] = root + "/bin/fleetctl";
        System.arraycopy(args, 0, full, 3, args.length);
        return m.exec(Duration.ofSeconds(90), full);
    }

    static void check(Sh.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
    }
}
