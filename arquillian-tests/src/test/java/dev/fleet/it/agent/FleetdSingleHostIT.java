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
        String path = MachineView.hostJdkPath();
        // as a user would start it in a shell; a data directory of the machine's own (not one the host may have)
        MachineView.check(m.exec("systemd-run", "--unit=fleetd-readme", "--setenv=PATH=" + path, "--setenv=HOME=/root",
                "--setenv=XDG_DATA_HOME=/var/lib/fleetd-readme", root + "/bin/fleetd"));
        try {
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> MachineView.fleetctlIn(m, "list-machines", "--no-legend").output().strip().lines().count() == 1);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no machine registered with fleetd; list-machines: "
                        + MachineView.fleetctlIn(m, "list-machines").output() + "\nfleetd: "
                        + m.exec("journalctl", "-u", "fleetd-readme", "--no-pager", "-n", "80").output(), e);
            }

            Path unitFile = m.hostPath("/root/readme-hello.service");
            Files.writeString(unitFile, "[Service]\nExecStart=/bin/sleep 100000\n");
            Sh.Result start = MachineView.fleetctlIn(m, "start", "/root/readme-hello.service");
            assertThat(start.exitCode()).as(start.output()).isZero();
            assertThat(start.output()).contains("Unit readme-hello.service launched on " + m.machineId().substring(0, 8));
            assertThat(MachineView.activeState(m, "readme-hello.service")).isEqualTo("active");
            assertThat(MachineView.fleetctlIn(m, "list-units", "--no-legend").output()).contains("readme-hello.service")
                    .contains("active").contains("running");
        } finally {
            m.exec("systemctl", "stop", "fleetd-readme.service");
        }
        // stopping fleetd stops its agent first: the unit is unloaded from this host's systemd
        assertThat(MachineView.activeState(m, "readme-hello.service")).isNotEqualTo("active");
    }
}
