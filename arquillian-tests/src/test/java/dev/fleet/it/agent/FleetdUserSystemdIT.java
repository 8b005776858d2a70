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
 * fleet's {@code systemd_user}: {@code bin/fleetd --systemd=user} drives a user's {@code systemd --user} (here root's
 * user manager, {@code user@0.service}, inside a test machine): a unit started with fleetctl runs in that user
 * manager, not in the system instance, and fleetctl's status and journal read the user's.
 */
class FleetdUserSystemdIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(0).machines(1).agents(false);

    static final String RUNTIME = "/run/user/0";

    @Test
    void fleetdDrivesTheUsersSystemd() throws Exception {
        SystemdMachine m = FLEET.cluster().machine("m1");
        String root = FleetCluster.repositoryRoot().toString();
        String path = MachineView.hostJdkPath();
        MachineView.check(m.exec("systemctl", "start", "user@0.service"));
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(m.hostPath(RUNTIME + "/bus")));
        MachineView.check(m.exec("systemd-run", "--unit=fleetd-user", "--setenv=PATH=" + path, "--setenv=HOME=/root",
                "--setenv=XDG_RUNTIME_DIR=" + RUNTIME, "--setenv=XDG_DATA_HOME=/var/lib/fleetd-user",
                root + "/bin/fleetd", "--systemd=user"));
        try {
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> MachineView.fleetctlIn(m, "list-machines", "--no-legend").output().strip().lines().count() == 1);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no machine registered with fleetd: "
                        + m.exec("journalctl", "-u", "fleetd-user", "--no-pager", "-n", "60").output(), e);
            }
            Files.writeString(m.hostPath("/root/user-hello.service"),
                    "[Service]\nExecStart=/bin/sh -c 'echo user-hello-started; exec sleep 100000'\n");
            Sh.Result start = MachineView.fleetctlIn(m, "start", "/root/user-hello.service");
            assertThat(start.exitCode()).as(start.output()).isZero();
            assertThat(userState(m, "user-hello.service")).isEqualTo("active");
            assertThat(m.exec("systemctl", "show", "-p", "LoadState", "--value", "user-hello.service").output().strip())
                    .as("not in the system instance").isEqualTo("not-found");
            Sh.Result status = MachineView.fleetctlIn(m, "status", "user-hello.service");
            assertThat(status.exitCode()).as(status.output()).isZero();
            assertThat(status.output()).contains("Active: active (running)");
        } finally {
            m.exec("systemctl", "stop", "fleetd-user.service");
        }
        assertThat(userState(m, "user-hello.service")).as("unloaded when fleetd stops").isNotEqualTo("active");
    }

    static String userState(SystemdMachine m, String unit) {
        return m.exec("env", "XDG_RUNTIME_DIR=" + RUNTIME, "systemctl", "--user", "show", "-p", "ActiveState", "--value", unit)
                .output().strip();
    }
}
