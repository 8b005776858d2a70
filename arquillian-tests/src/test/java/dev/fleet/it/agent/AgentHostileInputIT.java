package dev.fleet.it.agent;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import dev.fleet.unit.UnitName;
import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.fleet.it.agent.MachineView.activeState;
import static dev.fleet.it.agent.MachineView.fileLoaded;
import static dev.fleet.it.agent.MachineView.showAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent survives its input on a real systemd machine: every unit name at the edges of the one name rule the API
 * accepts is written, linked and started (and its state reaches the API, also for names whose D-Bus path is too long
 * for signals); a unit whose D-Bus calls fail (masked inside the machine) is reported failed while the other units
 * still start and stop, and starts by itself once it is unmasked; types no unit file can start (.scope, .device) leave
 * the others alone; and a pass that hangs ends the agent (exit 70), which systemd restarts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentHostileInputIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(1).ttl("10s");

    static final Duration WAIT = Duration.ofSeconds(90);

    /**
     * systemd's escapes: systemd takes a backslash, UnitName does not (Payara's HTTP server refuses %5C in a path
     * before fleet sees it, so no client could name such a unit): refused, nothing stored.
     */
    static final List<String> PAST_THE_RULE = List.of("a\\x2db.service", "odd\\qescape.service", "tmpl@x\\x2dy.service");

    /** Service names at the edges of {@link UnitName}'s rule (systemd's character set, lengths, instances). */
    static List<String> edgeNames() {
        List<String> names = new ArrayList<>();
        names.add("l".repeat(UnitName.MAX_LENGTH - ".service".length()) + ".service"); // 255 characters, the longest
        names.add("colon:name.service");
        names.add("under_score.service");
        names.add("dots.in.the.name.service");
        names.add("-leading-dash.service");     // looks like an option to every command line
        names.add("trailing-.service");
        names.add("UPPER-lower-09.service");
        names.add("0.service");                 // one character
        names.add("tmpl@inst.service");         // an instance
        names.add("tmpl@a@b.service");          // an '@' inside the instance
        names.add("tmpl@with:colon_and.dots.service");
        names.add("i@" + "x".repeat(UnitName.MAX_LENGTH - "i@".length() - ".service".length()) + ".service");
        names.add("edge-x_y:z.target");         // another type that a file can define
        // systemd escapes each '-' as "_2d" in the unit's D-Bus object path, and dbus-java carries no path over 255
        // characters: this one's changes come by signal, the next one's (and the 255-character ones') by polling
        names.add("e-".repeat(50) + ".service");
        names.add("f-".repeat(70) + ".service");
        for (String n : names) {
            assertThat(UnitName.validationError(n)).as(n).isEmpty();
        }
        return names;
    }

    static List<UnitOption> body(String name) {
        if (name.endsWith(".target")) {
            return List.of(UnitOptions.unit("Description", "edge target"));
        }
        // %i in an instance proves the specifier reached systemd; sleep's argument stays a number either way
        return List.of(UnitOptions.unit("Description", "edge %n"), UnitOptions.service("ExecStart", "/bin/sleep 100000"));
    }

    @Test
    @Order(1)
    void everyNameTheApiAcceptsIsWrittenLinkedAndStarted() {
        DevCluster c = FLEET.cluster();
        FleetClient api = c.client();
        SystemdMachine m = c.machines().get(0);
        List<String> names = new ArrayList<>(edgeNames());
        Map<String, String> refused = new TreeMap<>();
        for (String n : names) {
            FleetClient.Response r = api.putUnitResponse(Unit.put(n, body(n), "launched"));
            if (r.status() != 201) {
                refused.put(n, r.status() + " " + r.body());
            }
        }
        refused.forEach((n, why) -> System.out.println("[AgentHostileInputIT] refused by the API: " + n + ": " + why));
        assertThat(refused).as("names UnitName accepts that the API refused").isEmpty();
        for (String n : PAST_THE_RULE) {
            assertThat(UnitName.isValid(n)).as(n).isFalse();
            FleetClient.Response r = api.putUnitResponse(Unit.put(n, body(n), "launched"));
            assertThat(r.status()).as(n + ": " + r.body()).isEqualTo(400);
        }
        assertThat(api.units().stream().map(Unit::name)).as("nothing stored past the rule").doesNotContainAnyElementsOf(PAST_THE_RULE);
        names.removeAll(refused.keySet());
        assertThat(names).hasSizeGreaterThan(10);
        try {
            allActive(api, m, names);
        } catch (AssertionError | RuntimeException e) {
            // what the agent saw, for the report: its dump (SIGUSR1, on its stdout) and its log
            m.exec("systemctl", "kill", "-s", "USR1", "--kill-whom=main", "fleet-agent");
            for (String n : names) {
                List<UnitState> st = api.states(null, n);
                System.out.println("[AgentHostileInputIT] API state of " + n + ": " + st);
            }
            System.out.println("[AgentHostileInputIT] agent's log:\n" + m.exec("journalctl", "-u", "fleet-agent", "--no-pager",
                    "-o", "cat", "-n", "200").output());
            throw e;
        } finally {
            for (String n : names) {
                api.destroy(n);
            }
        }
        await().atMost(WAIT).until(() -> names.stream().noneMatch(n -> fileLoaded(m, n)));
        await().atMost(WAIT).until(() -> showAll(m, names).values().stream().allMatch(p -> "inactive".equals(p.get("ActiveState"))));
    }

    private static void allActive(FleetClient api, SystemdMachine m, List<String> names) {
        await().atMost(WAIT).untilAsserted(() -> {
            Map<String, Map<String, String>> shown = showAll(m, names);
            Map<String, String> notActive = new TreeMap<>();
            shown.forEach((n, p) -> {
                if (!"active".equals(p.get("ActiveState"))) {
                    notActive.put(n, p.get("LoadState") + "/" + p.get("ActiveState"));
                }
            });
            assertThat(notActive).as("units not active in the machine's systemd").isEmpty();
            for (String n : names) {
                assertThat(shown.get(n).get("Id")).as("systemd's own name of %s", n).isEqualTo(n);
            }
        });
        await().atMost(WAIT).untilAsserted(() -> {
            for (String n : names) {
                List<UnitState> s = api.states(null, n);
                assertThat(s).as("API state of %s", n).hasSize(1);
                assertThat(s.get(0).activeState()).as(n).isEqualTo("active");
            }
        });
    }

    @Test
    @Order(2)
    void aUnitWhoseDbusCallsFailIsSetAsideWhileTheOthersStartAndStop() {
        DevCluster c = FLEET.cluster();
        FleetClient api = c.client();
        SystemdMachine m = c.machines().get(0);
        String bad = "masked-x.service";
        // a persistent mask (/etc) outranks the agent's runtime link: LinkUnitFiles or StartUnit fails for it alone
        MachineView.check(m.exec("systemctl", "mask", bad));
        try {
            assertThat(api.putUnit(Unit.put("good-1.service", body("good-1.service"), "launched"))).isEqualTo(201);
            assertThat(api.putUnit(Unit.put(bad, body(bad), "launched"))).isEqualTo(201);
            assertThat(api.putUnit(Unit.put("good-2.service", body("good-2.service"), "launched"))).isEqualTo(201);
            await().atMost(WAIT).until(() -> activeState(m, "good-1.service").equals("active")
                    && activeState(m, "good-2.service").equals("active"));
            await().atMost(WAIT).untilAsserted(() -> {
                List<UnitState> s = api.states(null, bad);
                assertThat(s).as("the masked unit's state in the API").hasSize(1);
                assertThat(s.get(0).activeState()).isEqualTo("failed");
                assertThat(s.get(0).result()).startsWith("fleet-");
            });
            UnitState reported = api.states(null, bad).get(0);
            System.out.println("[AgentHostileInputIT] the masked unit in the API: " + reported.loadState() + "/"
                    + reported.activeState() + "/" + reported.subState() + " result " + reported.result());
            assertThat(activeState(m, bad)).isNotEqualTo("active");
            String journal = m.exec("journalctl", "-u", "fleet-agent", "--no-pager", "-o", "cat").output();
            List<String> setAside = journal.lines().filter(l -> l.contains("set aside " + bad)).toList();
            setAside.forEach(l -> System.out.println("[AgentHostileInputIT] agent: " + l));
            assertThat(setAside).as("the agent's log").isNotEmpty();

            // the other units keep moving while the bad one fails on every retry
            api.setDesiredState("good-1.service", "loaded");
            assertThat(api.putUnit(Unit.put("good-3.service", body("good-3.service"), "launched"))).isEqualTo(201);
            await().atMost(WAIT).until(() -> activeState(m, "good-1.service").equals("inactive")
                    && activeState(m, "good-3.service").equals("active"));
            assertThat(activeState(m, "good-2.service")).isEqualTo("active");

            MachineView.check(m.exec("systemctl", "unmask", bad));
            // retried with back-off (at most 30 s apart), no new schedule needed
            long unmasked = System.nanoTime();
            await().atMost(WAIT).until(() -> activeState(m, bad).equals("active"));
            System.out.println("[AgentHostileInputIT] active " + (System.nanoTime() - unmasked) / 1_000_000 + " ms after the unmask");
            assertThat(m.exec("journalctl", "-u", "fleet-agent", "--no-pager", "-o", "cat").output()
                    .lines().filter(l -> l.contains("set aside " + bad)).count())
                    .as("logged once per reason, not once per retry").isLessThanOrEqualTo(2);
            await().atMost(WAIT).untilAsserted(() -> {
                List<UnitState> s = api.states(null, bad);
                assertThat(s).hasSize(1);
                assertThat(s.get(0).activeState()).isEqualTo("active");
            });
        } finally {
            m.exec("systemctl", "unmask", bad);
        }
        List<String> mine = List.of("good-1.service", "good-2.service", "good-3.service", bad);
        for (String n : mine) {
            assertThat(api.destroy(n)).as(n).isTrue();
        }
        await().atMost(WAIT).until(() -> mine.stream().noneMatch(n -> fileLoaded(m, n)));
    }

    @Test
    @Order(3)
    void typesTheApiAcceptsButNoFileCanStartLeaveTheOtherUnitsAlone() {
        DevCluster c = FLEET.cluster();
        FleetClient api = c.client();
        SystemdMachine m = c.machines().get(0);
        // a scope is only ever made by a running process (transient), a device only by udev: no unit file starts them
        List<String> cannot = List.of("edge.scope", "edge.device");
        for (String n : cannot) {
            assertThat(api.putUnit(Unit.put(n, List.of(UnitOptions.unit("Description", "cannot start")), "launched"))).as(n).isEqualTo(201);
        }
        assertThat(api.putUnit(Unit.put("after-them.service", body("after-them.service"), "launched"))).isEqualTo(201);
        await().atMost(WAIT).until(() -> activeState(m, "after-them.service").equals("active"));
        await().atMost(WAIT).untilAsserted(() -> {
            for (String n : cannot) {
                List<UnitState> s = api.states(null, n);
                assertThat(s).as("API state of %s", n).hasSize(1);
                assertThat(s.get(0).activeState()).as(n).isNotEqualTo("active");
            }
        });
        for (String n : cannot) {
            UnitState s = api.states(null, n).get(0);
            System.out.println("[AgentHostileInputIT] " + n + " in the API: " + s.loadState() + "/" + s.activeState() + "/"
                    + s.subState() + " result " + s.result() + "; in systemd: " + showAll(m, List.of(n)).get(n));
        }
        for (String n : List.of("edge.scope", "edge.device", "after-them.service")) {
            assertThat(api.destroy(n)).as(n).isTrue();
        }
        await().atMost(WAIT).until(() -> !fileLoaded(m, "after-them.service") && cannot.stream().noneMatch(n -> fileLoaded(m, n)));
    }

    @Test
    @Order(4)
    void anAgentWhosePassIsStuckStopsHeartbeatingExitsAndIsRestartedBySystemd() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetClient api = c.client();
        SystemdMachine m = c.machines().get(0);
        // a loop bound of 15 s instead of 5 min (the JVM options of bin/fleet-agent, plus the knob)
        java.nio.file.Path dropIn = m.rootPath().resolve("etc/systemd/system/fleet-agent.service.d/loop-bound.conf");
        java.nio.file.Files.createDirectories(dropIn.getParent());
        java.nio.file.Files.writeString(dropIn, "[Service]\nEnvironment=\"JAVA_OPTS=-Xms8m -Xmx20m -XX:+UseSerialGC "
                + "-XX:TieredStopAtLevel=1 -Xss256k -Dfleet.agent.loopBoundSeconds=15\"\n");
        MachineView.check(m.exec("systemctl", "daemon-reload"));
        MachineView.check(m.exec("systemctl", "restart", "fleet-agent"));
        await().atMost(WAIT).until(() -> api.machines().size() == 1);
        String slow = "slow-stop.service";
        try {
            assertThat(api.putUnit(Unit.put("steady.service", body("steady.service"), "launched"))).isEqualTo(201);
            List<UnitOption> slowStop = List.of(UnitOptions.service("ExecStart", "/bin/sleep 100000"),
                    UnitOptions.service("ExecStop", "/bin/sleep 600"), UnitOptions.service("TimeoutStopSec", "infinity"));
            assertThat(api.putUnit(Unit.put(slow, slowStop, "launched"))).isEqualTo(201);
            await().atMost(WAIT).until(() -> activeState(m, "steady.service").equals("active") && activeState(m, slow).equals("active"));
            String steadyRun = MachineView.show(m, "steady.service").get("InvocationID");
            String pid = m.exec("systemctl", "show", "-p", "MainPID", "--value", "fleet-agent").output().strip();

            api.setDesiredState(slow, "loaded"); // its StopUnit job runs ExecStop for 10 minutes: the agent's pass hangs
            await().atMost(WAIT).until(() -> m.exec("journalctl", "-u", "fleet-agent", "--no-pager", "-o", "cat").output()
                    .contains("exiting 70 for systemd to restart the agent"));
            String journal = m.exec("journalctl", "-u", "fleet-agent", "--no-pager", "-o", "cat").output();
            journal.lines().filter(l -> l.contains("exiting 70") || l.contains("Main process exited"))
                    .forEach(l -> System.out.println("[AgentHostileInputIT] " + l));
            assertThat(journal).contains("a reconcile pass has been running for");
            await().atMost(WAIT).until(() -> {
                String now = m.exec("systemctl", "show", "-p", "MainPID", "--value", "fleet-agent").output().strip();
                return !now.equals(pid) && !now.equals("0") && activeState(m, "fleet-agent.service").equals("active");
            });
            assertThat(Integer.parseInt(m.exec("systemctl", "show", "-p", "NRestarts", "--value", "fleet-agent").output().strip()))
                    .isGreaterThanOrEqualTo(1);
            // the stop job ends (its ExecStop killed); the restarted agent goes on with the schedule
            m.exec("systemctl", "kill", "--signal=SIGKILL", slow);
            await().atMost(WAIT).until(() -> api.machines().size() == 1);
            assertThat(api.putUnit(Unit.put("after-restart.service", body("after-restart.service"), "launched"))).isEqualTo(201);
            await().atMost(WAIT).until(() -> activeState(m, "after-restart.service").equals("active"));
            await().atMost(WAIT).until(() -> activeState(m, "steady.service").equals("active"));
            System.out.println("[AgentHostileInputIT] steady.service across the agent's restart: "
                    + (steadyRun.equals(MachineView.show(m, "steady.service").get("InvocationID")) ? "same run" : "restarted"));
        } finally {
            m.exec("systemctl", "kill", "--signal=SIGKILL", slow);
            java.nio.file.Files.deleteIfExists(dropIn);
        }
        for (String n : List.of("steady.service", slow, "after-restart.service")) {
            api.destroy(n);
        }
        await().atMost(WAIT).until(() -> MachineView.unitFiles(m).isEmpty());
    }
}
