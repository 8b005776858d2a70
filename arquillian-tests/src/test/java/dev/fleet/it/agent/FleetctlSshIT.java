package dev.fleet.it.agent;

import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code fleetctl ssh} and {@code --tunnel} against real sshds in the test machines, with the system's OpenSSH client
 * and an ssh-agent holding the user's key (fleet's way: it used the agent only). Installs nothing: skipped, before any
 * machine boots, when the host has no {@code /usr/sbin/sshd} ({@code .ci/run} installs openssh-server without starting
 * it). Each machine (an overlay of the host's /) runs the host's sshd as a transient unit, with a host key and root's
 * authorized key generated here; the known-hosts file names that one host key for every address. Also
 * {@code journal --output}, end to end, on the same machines.
 */
@EnabledIf("sshdInstalled")
class FleetctlSshIT {
    static final Path SSHD = Path.of("/usr/sbin/sshd");
    /** Where the keys go inside each machine (its own /run, not the host's). */
    static final String KEYS = "/run/fleet-ssh-it";

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(2).ttl("5s");

    static Path dir;
    static Process agent;
    static Path agentSocket;
    static Path knownHosts;

    static boolean sshdInstalled() {
        return Files.isExecutable(SSHD) && Files.isExecutable(Path.of("/usr/bin/ssh")) && Files.isExecutable(Path.of("/usr/bin/ssh-agent"));
    }

    record Result(int code, String out, String err) { }

    @BeforeAll
    static void keysAgentAndSshds() throws Exception {
        dir = Files.createTempDirectory("fleetctl-ssh-it");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleet-ssh-it host", "-f", dir.resolve("host_key").toString());
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleet-ssh-it user", "-f", dir.resolve("id").toString());
        knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "* " + Files.readString(dir.resolve("host_key.pub")).strip() + "\n");

        agentSocket = dir.resolve("agent.sock");
        agent = new ProcessBuilder("ssh-agent", "-D", "-a", agentSocket.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(agentSocket));
        ProcessBuilder add = new ProcessBuilder("ssh-add", dir.resolve("id").toString()).redirectErrorStream(true);
        add.environment().put("SSH_AUTH_SOCK", agentSocket.toString());
        Process p = add.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("ssh-add: " + out).isZero();

        for (SystemdMachine m : FLEET.cluster().machines()) {
            startSshd(m);
        }
    }

    @AfterAll
    static void stopAgentAndForgetKeys() throws Exception {
        if (agent != null) {
            agent.destroy();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The host's sshd inside {@code m} as a transient unit: our host key, root's key from the agent, nothing from /etc/ssh. */
    static void startSshd(SystemdMachine m) throws Exception {
        Path keys = m.hostPath(KEYS);
        Files.createDirectories(keys);
        Files.copy(dir.resolve("host_key"), keys.resolve("host_key"));
        Files.setPosixFilePermissions(keys.resolve("host_key"), PosixFilePermissions.fromString("rw-------"));
        Files.copy(dir.resolve("id.pub"), keys.resolve("authorized_keys"));
        var r = m.exec("systemd-run", "--unit=fleet-ssh-it-sshd", "--property=RuntimeDirectory=sshd", SSHD.toString(), "-D", "-e",
                "-f", "/dev/null", "-h", KEYS + "/host_key", "-o", "AuthorizedKeysFile=" + KEYS + "/authorized_keys",
                "-o", "PermitRootLogin=prohibit-password", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
                "-o", "UsePAM=no", "-o", "StrictModes=no", "-o", "AllowTcpForwarding=yes");
        assertThat(r.ok()).as("systemd-run sshd in " + m.name() + ": " + r.output()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                m.exec("systemctl", "is-active", "fleet-ssh-it-sshd.service").output().strip().equals("active"));
    }

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    /**
     * bin/fleetctl against the cluster as root, with the agent and the known-hosts file (both from the environment, as
     * FLEETCTL_SSH_USERNAME and FLEETCTL_KNOWN_HOSTS_FILE, so that a flag can override them); no other FLEETCTL_*.
     */
    static Result fleetctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(FleetCluster.repositoryRoot().resolve("bin/fleetctl").toString(),
                "--endpoint=" + endpoints()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "fleetctl", ".out");
        Path err = Files.createTempFile(dir, "fleetctl", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("FLEETCTL_"));
        pb.environment().put("SSH_AUTH_SOCK", agentSocket.toString());
        pb.environment().put("FLEETCTL_SSH_USERNAME", "root");
        pb.environment().put("FLEETCTL_KNOWN_HOSTS_FILE", knownHosts.toString());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("fleetctl " + List.of(args) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static String endpoints() {
        return FLEET.cluster().endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    }

    @Test
    void sshToAMachineToTheMachineOfAUnitAndThroughATunnel() throws Exception {
        DevCluster c = FLEET.cluster();
        SystemdMachine m1 = c.machine("m1");
        SystemdMachine m2 = c.machine("m2");

        // by ID prefix, with the remote command's exit code
        Result ok = fleetctl("ssh", "--machine=" + m1.machineId().substring(0, 8), "true");
        assertThat(ok.code()).as(ok.err()).isZero();
        Result three = fleetctl("ssh", "--machine=" + m1.machineId(), "exit 3");
        assertThat(three.code()).as(three.err()).isEqualTo(3);
        Result id = fleetctl("ssh", m2.machineId().substring(0, 10), "cat", "/etc/machine-id");
        assertThat(id.code()).as(id.err()).isZero();
        assertThat(id.out().strip()).isEqualTo(m2.machineId());

        // the machine a unit is on
        Path unit = dir.resolve("hold.service");
        Files.writeString(unit, "[Service]\nExecStart=/bin/sleep infinity\n\n[X-Fleet]\nMachineID=" + m2.machineId() + "\n");
        Result start = fleetctl("start", unit.toString());
        assertThat(start.code()).as(start.err()).isZero();
        Result byUnit = fleetctl("ssh", "--unit=hold", "cat /etc/machine-id; hostname");
        assertThat(byUnit.code()).as(byUnit.err()).isZero();
        assertThat(byUnit.out().lines().findFirst().orElse("")).isEqualTo(m2.machineId());

        // journal --output: journalctl's mode, through the control plane and the agent; anything else is refused
        Result json = fleetctl("journal", "--output=json", "--lines=3", "hold");
        assertThat(json.code()).as(json.err()).isZero();
        assertThat(json.out().lines().toList()).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("{").contains("\"MESSAGE\""));
        Result bogus = fleetctl("journal", "--output=bogus", "hold");
        assertThat(bogus.code()).isEqualTo(1);
        assertThat(bogus.err()).contains("output must be one of journalctl's modes");

        // --tunnel: the API through m1 (the node's bridge address as m1 sees it), and ssh to m2 by way of m1
        Result listed = fleetctl("--tunnel=" + m1.address(), "--debug", "list-machines", "--full", "--no-legend");
        assertThat(listed.code()).as(listed.err()).isZero();
        assertThat(listed.out()).contains(m1.machineId(), m2.machineId());
        assertThat(listed.err()).contains("DEBUG GET http://127.0.0.1:").doesNotContain(c.endpoints().get(0).toString());
        Result tunnelled = fleetctl("--tunnel=" + m1.address() + ":22", "ssh", "--unit=hold", "cat", "/etc/machine-id");
        assertThat(tunnelled.code()).as(tunnelled.err()).isZero();
        assertThat(tunnelled.out().strip()).isEqualTo(m2.machineId());

        // a host key that is not the one known: refused (strict checking is the default)
        Path other = dir.resolve("other_known_hosts");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("other").toString());
        Files.writeString(other, "* " + Files.readString(dir.resolve("other.pub")).strip() + "\n");
        Result refused = fleetctl("--known-hosts-file=" + other, "ssh", "--machine=" + m1.machineId(), "true");
        assertThat(refused.code()).isEqualTo(255);
        assertThat(refused.err()).contains("REMOTE HOST IDENTIFICATION HAS CHANGED");
    }
}
