package dev.fleet.it.cluster;

import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.Ports;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's way to a RAFT channel over mutual TLS: `bin/fleet-ca init`, `bin/fleet-ca issue --kind=node` for each
 * member, `bin/fleet-node --raft-tls-dir=...`. A rogue node process with a certificate of its own CA, which lists the
 * real members as its peers, is started first; then two members form a cluster over TLS without it and replicate a
 * write, and the node's log says the channel is TLS; the rogue never gets a leader. (RaftTlsTest has the in-JVM cases.)
 */
class RaftTlsClusterIT {

    @Test
    void twoNodesWithCertificatesFromFleetCaReplicateOverTls() throws Exception {
        Path work = ClusterSupport.workDir("raft-tls");
        Path root = FleetCluster.repositoryRoot();
        Path ca = work.resolve("ca");
        fleetCa(root, "init", "--dir=" + ca);
        List<String> names = List.of("t0", "t1");
        int[] http = {Ports.free(), Ports.free()};
        int[] raft = {Ports.free(100), Ports.free(100)};
        String members = "t0=127.0.0.1:" + raft[0] + ",t1=127.0.0.1:" + raft[1];
        List<FleetNodeProcess> nodes = new ArrayList<>();
        Path otherCa = work.resolve("rogue-ca");
        fleetCa(root, "init", "--dir=" + otherCa);
        fleetCa(root, "issue", "--kind=node", "--name=t2", "--ip=127.0.0.1", "--dir=" + otherCa);
        int rogueRaft = Ports.free(100);
        FleetNodeProcess rogue = new FleetNodeProcess(root, "t2", Ports.free(), rogueRaft, work.resolve("rogue"),
                List.of("--members=" + members + ",t2=127.0.0.1:" + rogueRaft, "--raft-tls-dir=" + otherCa.resolve("nodes/t2")));
        try {
            rogue.start();
            await().atMost(FleetCluster.BOOT_TIMEOUT).until(() -> Files.exists(rogue.consoleLog())
                    && Files.readString(rogue.consoleLog()).contains("RAFT channel: mutual TLS"));
            for (int i = 0; i < 2; i++) {
                fleetCa(root, "issue", "--kind=node", "--name=" + names.get(i), "--ip=127.0.0.1", "--dir=" + ca);
                Path dir = ca.resolve("nodes").resolve(names.get(i));
                assertThat(dir.resolve("truststore.p12")).exists();
                nodes.add(new FleetNodeProcess(root, names.get(i), http[i], raft[i], work.resolve(names.get(i)),
                        List.of("--members=" + members, "--raft-tls-dir=" + dir)).start());
            }
            for (FleetNodeProcess n : nodes) {
                n.awaitReady(FleetCluster.BOOT_TIMEOUT);
            }
            EtcdV2Client a = new EtcdV2Client(nodes.get(0).url());
            EtcdV2Client b = new EtcdV2Client(nodes.get(1).url());
            assertThat(a.put("/over-tls", "yes").status()).isIn(200, 201);
            await().atMost(Duration.ofSeconds(10)).until(() -> b.get("/over-tls").status() == 200);
            assertThat(b.get("/over-tls").body()).contains("\"value\":\"yes\"");
            assertThat(Files.readString(nodes.get(0).consoleLog())).contains("RAFT channel: mutual TLS");
            // the real members list each other only, and the rogue, still running, never had a leader
            String listed = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    nodes.get(0).url().resolve("/v2/members")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(listed).contains("\"t0\"", "\"t1\"").doesNotContain("t2");
            assertThat(rogue.isAlive()).isTrue();
            assertThat(Files.readString(rogue.consoleLog())).doesNotContain("fleet-node ready");
        } finally {
            rogue.stop();
            for (FleetNodeProcess n : nodes) {
                n.stop();
            }
        }
    }

    static void fleetCa(Path root, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/fleet-ca").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("fleet-ca " + String.join(" ", args) + ": " + out).isZero();
    }
}
