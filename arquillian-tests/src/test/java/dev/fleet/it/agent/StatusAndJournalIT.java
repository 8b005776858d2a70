package dev.fleet.it.agent;

import dev.fleet.schema.Unit;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code fleetctl status} and {@code fleetctl journal [-f]} of a unit on a real machine, through the control plane
 * and the machine's agent (no SSH): systemctl's own text, systemd's InvocationID in the JSON, journal lines
 * that the unit writes, followed as they are written.
 */
class StatusAndJournalIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(1).ttl("5s");

    record Result(int code, String out, String err) { }

    static Result fleetctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(FleetCluster.repositoryRoot().resolve("bin/fleetctl").toString(),
                "--endpoint=" + endpoints()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("fleetctl", ".out");
        Path err = Files.createTempFile("fleetctl", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("FLEETCTL_"));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("fleetctl " + List.of(args) + " did not finish");
        }
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static String endpoints() {
        return FLEET.cluster().endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    }

    @Test
    void statusAndJournalWithoutSsh() throws Exception {
        DevCluster c = FLEET.cluster();
        SystemdMachine m = c.machine("m1");
        String unit = "talker.service";
        // writes one numbered line a second to the journal
        assertThat(c.client().putUnit(Unit.put(unit, List.of(UnitOptions.unit("Description", "fleet journal test"),
                UnitOptions.service("ExecStart", "/bin/sh -c 'i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 1; done'")),
                "launched"))).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() -> MachineView.activeState(m, unit).equals("active"));
        await().atMost(Duration.ofSeconds(30)).until(() -> m.exec("journalctl", "-u", unit, "--no-pager", "-o", "cat").output().contains("tick 3"));

        Result status = fleetctl("status", unit);
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out()).contains(unit + " - fleet journal test").contains("Active: active (running)")
                .contains("/run/systemd/system/" + unit + "; linked-runtime");

        String invocation = MachineView.show(m, unit).get("InvocationID");
        Result json = fleetctl("status", "--output=json", unit);
        assertThat(json.code()).isZero();
        jakarta.json.JsonObject st = jakarta.json.Json.createReader(new java.io.StringReader(json.out())).readObject()
                .getJsonArray("statuses").getJsonObject(0);
        assertThat(st.getString("machineID")).isEqualTo(m.machineId());
        assertThat(st.getJsonObject("properties").getString("InvocationID")).isEqualTo(invocation);
        assertThat(st.getJsonObject("properties").getString("ActiveState")).isEqualTo("active");

        Result journal = fleetctl("journal", "--lines=2", unit);
        assertThat(journal.code()).as(journal.err()).isZero();
        List<String> ticks = journal.out().lines().filter(l -> l.contains("tick ")).toList();
        assertThat(ticks).hasSize(2);

        // -f: lines the unit writes after the call reach the user while it runs
        List<String> cmd = List.of(FleetCluster.repositoryRoot().resolve("bin/fleetctl").toString(), "--endpoint=" + endpoints(),
                "journal", "-f", "-n", "1", unit);
        Process follow = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (java.io.IOException ignored) {
                // the process was stopped
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().filter(l -> l.contains("tick ")).count() >= 3);
            long first = tickNumber(lines.stream().filter(l -> l.contains("tick ")).findFirst().orElseThrow());
            long later = tickNumber(lines.stream().filter(l -> l.contains("tick ")).reduce((a, b) -> b).orElseThrow());
            assertThat(later).isGreaterThan(first);
        } finally {
            follow.destroy();
            follow.waitFor(10, TimeUnit.SECONDS);
            reader.join(10_000);
        }

        Result why = fleetctl("why", unit);
        assertThat(why.out()).contains("is running as desired");

        Result unknown = fleetctl("status", "nope.service");
        assertThat(unknown.code()).isNotZero();
        c.client().destroy(unit);
    }

    private static long tickNumber(String line) {
        return Long.parseLong(line.replaceAll(".*tick (\\d+).*", "$1"));
    }
}
