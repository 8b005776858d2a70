package dev.fleet.it.agent;

import dev.fleet.testkit.ClusterCa;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A secured dev cluster of real systemd machines (what {@code bin/fleet-dev up} makes by default): one node on HTTPS,
 * two machines whose agents hold their own machine's certificate. Our fleetctl with an operator's PEM files and curl
 * with the same files start units that run in systemd; status and journal come through the agents' mutual-TLS local
 * API; an agent's credentials used for the other machine's registration, schedule or states are refused; the agents'
 * local API serves only the control plane; without a client certificate nothing useful comes back.
 */
class SecuredDevClusterIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(2).ttl("5s").secured(true);

    record Run(int rc, String out, String err) { }

    static Run run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("secured", ".out");
        Path err = Files.createTempFile("secured", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("FLEETCTL_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(List.of(cmd) + " did not finish");
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** curl with a member's PEM files; prints the body, then a space and the status. */
    static Run curl(ClusterCa.PemFiles who, String method, String url, String json) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--cacert", who.ca().toString()));
        if (who.cert() != null) {
            cmd.addAll(List.of("--cert", who.cert().toString(), "--key", who.key().toString()));
        }
        cmd.addAll(List.of("-X", method, "-w", " %{http_code}"));
        if (json != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "-d", json));
        }
        cmd.add(url);
        return run(Map.of(), cmd.toArray(String[]::new));
    }

    @Test
    void operatorsStartUnitsAgentsStayInTheirLane() throws Exception {
        DevCluster c = FLEET.cluster();
        String node = c.endpoints().get(0).toString();
        assertThat(node).startsWith("https://");
        ClusterCa.PemFiles operate = c.credentials("operate");
        ClusterCa.PemFiles read = c.credentials("read");

        // our fleetctl with the PEM files from FLEETCTL_* (what bin/fleet-dev env prints)
        Path unitFile = Files.createTempFile("ctl", ".service");
        Files.writeString(unitFile, "[Service]\nExecStart=/bin/sh -c 'echo secured-hello; exec sleep 1000'\n");
        Path named = unitFile.resolveSibling("ctl.service");
        Files.move(unitFile, named, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> operatorEnv = Map.of("FLEETCTL_ENDPOINT", node, "FLEETCTL_CA_FILE", operate.ca().toString(),
                "FLEETCTL_CERT_FILE", operate.cert().toString(), "FLEETCTL_KEY_FILE", operate.key().toString());
        String fleetctl = FleetCluster.repositoryRoot().resolve("bin/fleetctl").toString();
        Run start = run(operatorEnv, fleetctl, "start", named.toString());
        assertThat(start.rc()).as(start.err()).isZero();
        // curl with the same kind of PEM files, as fleet's Go client would send them
        Run put = curl(operate, "PUT", node + "/fleet/v1/units/curl.service",
                "{\"desiredState\":\"launched\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 1000\"}]}");
        assertThat(put.out()).endsWith("201");
        await().atMost(Duration.ofSeconds(60)).until(() -> MachineView.activeOn(c, "ctl.service").size() == 1
                && MachineView.activeOn(c, "curl.service").size() == 1);

        // status and journal through the agent's mutual-TLS local API, for a reader
        Map<String, String> readerEnv = Map.of("FLEETCTL_ENDPOINT", node, "FLEETCTL_CA_FILE", read.ca().toString(),
                "FLEETCTL_CERT_FILE", read.cert().toString(), "FLEETCTL_KEY_FILE", read.key().toString());
        Run status = run(readerEnv, fleetctl, "status", "ctl.service");
        assertThat(status.rc()).as(status.err()).isZero();
        assertThat(status.out()).contains("Active: active (running)");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(run(readerEnv, fleetctl, "journal", "--lines=20", "ctl.service").out())
                .contains("secured-hello"));
        Run readerStops = run(readerEnv, fleetctl, "stop", "ctl.service");
        assertThat(readerStops.rc()).isNotZero();
        assertThat(readerStops.err()).contains("operate");

        // an agent's certificate works for its own machine only
        SystemdMachine m1 = c.machine("m1");
        SystemdMachine m2 = c.machine("m2");
        ClusterCa.PemFiles agent1 = c.ca().agent(m1.machineId(), m1.address());
        String agentApi = node + "/fleet/agent/v1/machines/";
        assertThat(curl(agent1, "GET", agentApi + m1.machineId() + "/schedule", null).out()).endsWith("200");
        String presence = "{\"session\":\"stolen\",\"publicIP\":\"" + m1.address() + "\",\"metadata\":{},\"version\":\"x\",\"ttl\":60}";
        for (Run r : List.of(curl(agent1, "GET", agentApi + m2.machineId() + "/schedule", null),
                curl(agent1, "PUT", agentApi + m2.machineId(), presence),
                curl(agent1, "PUT", agentApi + m2.machineId() + "/states", "{\"session\":\"stolen\",\"states\":[]}"),
                curl(agent1, "DELETE", agentApi + m2.machineId() + "?session=stolen", null),
                curl(agent1, "GET", node + "/fleet/v1/units", null))) {
            assertThat(r.out()).endsWith("403");
        }
        assertThat(c.registeredIds()).contains(m2.machineId()); // still registered, by its own agent

        // the agents' local API serves the control plane only: an operator's certificate is refused, none gets no answer
        String local = "https://" + m1.address() + ":4002/agent/v1/units/curl.service/status";
        Run asOperator = curl(new ClusterCa.PemFiles(operate.ca(), operate.cert(), operate.key()), "GET", local, null);
        if (MachineView.activeOn(c, "curl.service").contains("m1")) {
            assertThat(asOperator.out()).endsWith("403");
        } else {
            assertThat(asOperator.out()).matches("(?s).* (403|404)");
        }
        Run noCert = curl(new ClusterCa.PemFiles(operate.ca(), null, null), "GET", local, null);
        assertThat(noCert.rc()).isNotZero();
        Run plainLocal = run(Map.of(), "curl", "-sS", "--max-time", "5", "-w", " %{http_code}", "http://" + m1.address() + ":4002/agent/v1/units/curl.service/status");
        assertThat(plainLocal.out()).doesNotContain("properties");

        // fleet's Go client's TLS: PEM CA, certificate and key, TLS 1.2, the server's certificate checked against the
        // endpoint's address (the bridge's IP): openssl with the same files
        java.net.URI u = c.endpoints().get(0);
        Run s = run(Map.of(), "openssl", "s_client", "-connect", u.getHost() + ":" + u.getPort(), "-tls1_2", "-CAfile",
                operate.ca().toString(), "-cert", operate.cert().toString(), "-key", operate.key().toString(),
                "-verify_return_error", "-verify_ip", u.getHost());
        assertThat(s.out()).contains("Verify return code: 0 (ok)").contains("Protocol  : TLSv1.2");

        // without a client certificate: 401 and nothing of the cluster
        Run anonymous = curl(new ClusterCa.PemFiles(operate.ca(), null, null), "GET", node + "/fleet/v1/units", null);
        assertThat(anonymous.out()).endsWith("401").doesNotContain("curl.service");
    }
}
