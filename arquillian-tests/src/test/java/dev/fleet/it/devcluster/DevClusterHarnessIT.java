package dev.fleet.it.devcluster;

import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.machines.Cgroups;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.Ledger;
import dev.fleet.testkit.machines.Mounts;
import dev.fleet.testkit.machines.ProcInfo;
import dev.fleet.testkit.machines.Sh;
import dev.fleet.testkit.machines.SystemdMachine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The harness itself against real systemd: 1 node, 2 nspawn machines, each with fleet-agent.service. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevClusterHarnessIT {
    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(2).ttl("5s").metadata("m1", "region=eu");

    @Test
    @Order(1)
    void machinesHaveTheirOwnHostnameAndMachineId() {
        DevCluster c = FLEET.cluster();
        List<String> hostnames = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (SystemdMachine m : c.machines()) {
            assertThat(m.systemState()).isIn("running", "degraded");
            hostnames.add(m.exec("hostname").output().strip());
            String id = m.exec("cat", "/etc/machine-id").output().strip();
            assertThat(id).isEqualTo(m.machineId()).matches("[0-9a-f]{32}");
            ids.add(id);
            // the machine's own systemd, seen through its bus from the host
            assertThat(Sh.run("busctl", "--address=" + m.busAddress(), "get-property", "org.freedesktop.systemd1",
                    "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "Virtualization").output()).contains("systemd-nspawn");
        }
        assertThat(hostnames).containsExactly("m1", "m2");
        assertThat(ids).doesNotHaveDuplicates().doesNotContain(Files.exists(Path.of("/etc/machine-id")) ? read("/etc/machine-id") : "");
    }

    @Test
    @Order(2)
    void theHostReachesAMachineOverTcp() throws Exception {
        SystemdMachine m1 = FLEET.cluster().machine("m1");
        // a tiny HTTP server inside the machine, written through rootPath() into the machine's own /tmp
        Files.writeString(m1.rootPath().resolve("tmp/Hello.java"), """
                public class Hello {
                    public static void main(String[] a) throws Exception {
                        var s = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(a[0], 8080), 0);
                        s.createContext("/", x -> {
                            byte[] b = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/etc/hostname"));
                            x.sendResponseHeaders(200, b.length);
                            x.getResponseBody().write(b);
                            x.close();
                        });
                        s.start();
                    }
                }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Sh.Result run = m1.exec("systemd-run", "--unit=hello-probe", "--property=Type=simple", java, "/tmp/Hello.java", m1.address());
        assertThat(run.exitCode()).as(run.output()).isZero();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        AtomicReference<String> body = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + m1.address() + ":8080/"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            body.set(r.body());
            assertThat(r.statusCode()).isEqualTo(200);
        });
        assertThat(body.get().strip()).isEqualTo("m1");
        assertThat(m1.exec("systemctl", "show", "-p", "ActiveState", "--value", "hello-probe.service").output().strip()).isEqualTo("active");
        m1.exec("systemctl", "stop", "hello-probe.service");
    }

    @Test
    @Order(3)
    void aMachineReachesTheNodesApi() {
        DevCluster c = FLEET.cluster();
        URI node = c.endpoints().get(0);
        assertThat(node.getHost()).isEqualTo(c.network().hostAddress());
        for (SystemdMachine m : c.machines()) {
            Sh.Result r = m.exec("curl", "-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", node + "/fleet/v1/machines");
            assertThat(r.output().strip()).as(m.name() + ": " + r.output()).isEqualTo("200");
            // and nothing else: machines have no route out of their /24
            assertThat(m.exec("ip", "route").output()).doesNotContain("default");
        }
    }

    @Test
    @Order(4)
    void eachMachineRunsTheAgentUnitWithItsOwnOptions() {
        DevCluster c = FLEET.cluster();
        for (SystemdMachine m : c.machines()) {
            String show = m.exec("systemctl", "show", "-p", "LoadState,FragmentPath,ExecStart", DevCluster.AGENT_UNIT).output();
            assertThat(show).contains("LoadState=loaded", "FragmentPath=/etc/systemd/system/fleet-agent.service",
                    "--public-ip=" + m.address(), "--endpoint=" + c.endpoints().get(0), "--agent-ttl=5s", "bin/fleet-agent");
            if (m.name().equals("m1")) {
                assertThat(show).contains("--metadata=region=eu");
            } else {
                assertThat(show).doesNotContain("--metadata");
            }
        }
    }

    @Test
    @Order(5)
    void everyMachineRegisters() {
        DevCluster c = FLEET.cluster();
        AtomicReference<String> placeholder = new AtomicReference<>();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (c.registeredIds().size() == c.machines().size()) {
                return true;
            }
            String journal = c.machine("m1").exec("journalctl", "-u", DevCluster.AGENT_UNIT, "--no-pager", "-n", "50").output();
            if (journal.contains("the D-Bus adapter is not merged yet")) {
                placeholder.set(journal);
                return true;
            }
            return false;
        });
        // Only this exact, known state of main skips: any other agent failure fails the test.
        Assumptions.assumeTrue(placeholder.get() == null, "fleet-agent cannot run yet: its D-Bus adapter is a placeholder on this branch");
        c.awaitRegistered(Duration.ofMinutes(1));
        var byId = new java.util.HashMap<String, dev.fleet.schema.Machine>();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            c.client().machines().forEach(x -> byId.put(x.id(), x));
            return byId.size() == c.machines().size();
        });
        assertThat(byId.get(c.machine("m1").machineId()).primaryIP()).isEqualTo(c.machine("m1").address());
        assertThat(byId.get(c.machine("m1").machineId()).metadata()).containsEntry("region", "eu");
        assertThat(byId.get(c.machine("m2").machineId()).metadata()).doesNotContainKey("region");
    }

    @Test
    @Order(6)
    void killAgentIsACrashThatSystemdRestartsAndRestartAgentIsANewInvocation() {
        DevCluster c = FLEET.cluster();
        SystemdMachine m1 = c.machine("m1");
        String before = m1.exec("systemctl", "show", "-p", "InvocationID", "--value", DevCluster.AGENT_UNIT).output().strip();
        long killed = c.killAgent("m1");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            String show = m1.exec("systemctl", "show", "-p", "ActiveState,MainPID,NRestarts", DevCluster.AGENT_UNIT).output();
            assertThat(show).contains("ActiveState=active").doesNotContain("MainPID=" + killed + "\n", "MainPID=0\n", "NRestarts=0\n");
        });
        String afterCrash = m1.exec("systemctl", "show", "-p", "InvocationID", "--value", DevCluster.AGENT_UNIT).output().strip();
        assertThat(afterCrash).isNotEqualTo(before);
        c.restartAgent("m1");
        assertThat(m1.exec("systemctl", "show", "-p", "InvocationID", "--value", DevCluster.AGENT_UNIT).output().strip())
                .isNotIn(before, afterCrash);
        c.awaitRegistered(Duration.ofMinutes(1));
    }

    @Test
    @Order(7)
    void powerOffKillsTheMachine() {
        SystemdMachine m2 = FLEET.cluster().machine("m2");
        long pid1 = m2.pid1();
        long nspawn = m2.nspawnPid();
        assertThat(ProcInfo.isAlive(pid1)).isTrue();
        m2.powerOff();
        assertThat(ProcInfo.isAlive(pid1)).isFalse();
        assertThat(ProcInfo.isAlive(nspawn)).isFalse();
        assertThat(m2.isAlive()).isFalse();
        assertThat(m2.systemState()).isEmpty();
        // the other machine is untouched
        assertThat(FLEET.cluster().machine("m1").systemState()).isIn("running", "degraded");
    }

    @Test
    @Order(8)
    void closeLeavesNothingBehind() {
        DevCluster c = FLEET.cluster();
        String instance = c.instance();
        Path stateDir = Ledger.STATE_ROOT.resolve(instance);
        String bridge = c.network().bridge();
        String veths = "vb-n" + c.network().net() + "-"; // the host ends of the machines' veths, m2's powered off
        String prefix = c.network().prefix();
        List<Path> cgroups = List.of(Cgroups.V1_SYSTEMD.resolve("fleet-" + instance), Cgroups.UNIFIED.resolve("fleet-" + instance));
        List<Long> pids = new ArrayList<>();
        for (SystemdMachine m : c.machines()) {
            pids.add(m.pid1());
            pids.add(m.nspawnPid());
        }
        for (int i = 0; i < c.nodeCluster().nodes().size(); i++) {
            FleetNodeProcess n = c.node(i);
            pids.add(n.pid());
        }
        pids.addAll(Cgroups.pids(cgroups.get(1)));
        // (pid, start time) of what is alive now, so that a reused PID does not count as a survivor
        Map<Long, String> alive = new HashMap<>();
        pids.forEach(p -> ProcInfo.startTime(p).ifPresent(t -> alive.put(p, t)));
        assertThat(Mounts.under(stateDir)).hasSize(2 * c.machines().size()); // powered-off m2 keeps its mounts until close
        assertThat(cgroups).allMatch(Files::isDirectory);
        assertThat(alive).isNotEmpty();

        long t0 = System.nanoTime();
        c.close();
        System.out.printf("teardown of %s: %.2f s%n", instance, (System.nanoTime() - t0) / 1e9);

        assertThat(Mounts.under(stateDir)).as("mounts under " + stateDir).isEmpty();
        assertThat(read("/proc/self/mountinfo")).doesNotContain(stateDir.toString());
        assertThat(Sh.run("ip", "-o", "link", "show").output()).doesNotContain(bridge + ":").doesNotContain(veths);
        assertThat(Sh.run("ip", "route", "show").output()).doesNotContain(prefix);
        assertThat(cgroups).noneMatch(Files::exists);
        assertThat(stateDir).doesNotExist();
        assertThat(alive.entrySet()).noneMatch(e -> ProcInfo.isSame(e.getKey(), e.getValue()));
        c.close(); // idempotent
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
