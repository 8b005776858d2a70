package dev.fleet.it.agent;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.Sh;
import dev.fleet.testkit.machines.SystemdMachine;
import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Agents configured the way fleet users configured fleetd: one from a fleet.conf written for fleet v1.0
 * ({@code etcd_servers} as a list, single-quoted metadata, an IPv6 {@code public_ip}, keys this agent does not act
 * on), one with no public IP at all, which takes the address of its default route's interface as fleet did, so that
 * status and journal through the control plane work without configuring anything (the test gives that machine the
 * default route a real machine has).
 */
class AgentConfigurationIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(2).ttl("5s").agents(false);

    @Test
    void agentsConfiguredAsForFleetRegister() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetClient api = new FleetClient(c.endpoints());
        String endpoints = c.endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
        SystemdMachine m1 = c.machine("m1");
        SystemdMachine m2 = c.machine("m2");

        // m1: only /etc/fleet/fleet.conf, as fleet v1.0 read it
        String v6 = "fd77:" + c.network().net() + "::1";
        check(m1.exec("ip", "-6", "addr", "add", v6 + "/64", "dev", "host0", "nodad"));
        write(m1, "/etc/fleet/fleet.conf", """
                # fleet v1.0
                etcd_servers=[%s]
                metadata='role=conf, disk = ssd'
                public_ip="%s"
                agent_ttl=5s
                engine_reconcile_interval=2
                """.formatted(c.endpoints().stream().map(u -> "\"" + u + "\"").collect(Collectors.joining(",")), v6));
        install(c, m1, "");

        // m2: endpoint and TTL only; no public IP anywhere. A default route, as a real machine has (test machines have
        // none: nothing leaves their /24), via the host: the agent takes its public IP from that route's interface
        check(m2.exec("ip", "route", "add", "default", "via", c.network().hostAddress(), "dev", "host0"));
        install(c, m2, " --endpoint=" + endpoints + " --agent-ttl=5s");

        await().atMost(Duration.ofSeconds(60)).until(() -> machine(api, m1.machineId()).isPresent()
                && machine(api, m2.machineId()).isPresent());
        Machine conf = machine(api, m1.machineId()).orElseThrow();
        assertThat(conf.primaryIP()).isEqualTo(v6);
        assertThat(conf.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("role", "conf", "disk", "ssd"));
        String journal = m1.exec("journalctl", "-u", DevCluster.AGENT_UNIT, "--no-pager", "-o", "cat").output();
        assertThat(journal).contains("engine_reconcile_interval is ignored");

        Machine auto = machine(api, m2.machineId()).orElseThrow();
        assertThat(auto.primaryIP()).as("the address of m2's default route interface").isEqualTo(m2.address());

        // status and journal through the control plane reach m2's agent at the detected address
        String unit = "conf-probe.service";
        api.putUnit(Unit.put(unit, List.of(
                new UnitOption("Service", "ExecStart", "/bin/sh -c 'echo probe-started; exec sleep 100000'"),
                new UnitOption("X-Fleet", "MachineID", m2.machineId())), "launched"));
        await().atMost(Duration.ofSeconds(60)).until(() -> "active".equals(MachineView.show(m2, unit).get("ActiveState")));
        FleetClient.Response status = api.unitStatus(unit);
        assertThat(status.status()).as(status.body()).isEqualTo(200);
        assertThat(status.body()).contains("Active: active (running)");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            FleetClient.Response err = api.journal(unit, 20, false, null, out);
            return err == null && out.toString(StandardCharsets.UTF_8).contains("probe-started");
        });
    }

    static Optional<Machine> machine(FleetClient api, String id) {
        return api.machines().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    static void install(DevCluster c, SystemdMachine m, String args) throws Exception {
        write(m, "/etc/systemd/system/" + DevCluster.AGENT_UNIT, c.agentUnit(args));
        check(m.exec("systemctl", "daemon-reload"));
        check(m.exec("systemctl", "start", DevCluster.AGENT_UNIT));
    }

    static void write(SystemdMachine m, String path, String content) throws Exception {
        Path p = m.hostPath(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    static void check(Sh.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
    }
}
