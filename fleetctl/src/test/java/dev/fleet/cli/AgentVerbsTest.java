package dev.fleet.cli;

import com.sun.net.httpserver.HttpExchange;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** status, journal, why, completion, list-units --watch, restart of a global unit and the help layout, in-process. */
class AgentVerbsTest {
    static final String M1 = "m1aaaaaaaaaaaaaa";
    static final String M2 = "m2bbbbbbbbbbbbbb";
    static final String ACTIVE = "● a.service - A\n     Loaded: loaded\n     Active: active (running)\n";

    FakeFleet fleet;
    String out;
    String err;

    @BeforeEach
    void boot() throws Exception {
        fleet = new FakeFleet();
        fleet.machines.add(Json.createObjectBuilder().add("id", M1).add("primaryIP", "10.0.0.1").build());
        fleet.machines.add(Json.createObjectBuilder().add("id", M2).add("primaryIP", "10.0.0.2").build());
    }

    @AfterEach
    void close() {
        fleet.close();
    }

    int run(String... args) {
        Captured r = Captured.against(fleet, args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    static JsonObject status(String machine, String active, String text) {
        return Json.createObjectBuilder().add("machineID", machine).add("name", "a.service")
                .add("properties", Json.createObjectBuilder().add("ActiveState", active)).add("text", text).build();
    }

    void statusAnswer(int code, String body) {
        fleet.extra.put("/fleet/v1/units/a.service/status", ex -> FakeFleet.send(ex, code, body));
    }

    static String statuses(JsonObject... entries) {
        var a = Json.createArrayBuilder();
        for (JsonObject e : entries) {
            a.add(e);
        }
        return Json.createObjectBuilder().add("statuses", a).build().toString();
    }

    @Test
    void statusPrintsTheAgentsTextWithSystemctlsExitCode() {
        statusAnswer(200, statuses(status(M1, "active", ACTIVE)));
        assertThat(run("status", "a")).isZero();
        assertThat(out).isEqualTo(ACTIVE);
        statusAnswer(200, statuses(status(M1, "failed", "● a.service - A\n     Active: failed (Result: exit-code)")));
        assertThat(run("status", "a")).isEqualTo(AgentViews.EXIT_NOT_RUNNING);
        assertThat(out).endsWith("failed (Result: exit-code)\n");
        assertThat(run("status", "nope")).isEqualTo(1);
        assertThat(err).isEqualTo("Unit nope.service does not exist.\n");
        assertThat(run("status")).isZero();
        assertThat(err).isEqualTo("No units given\n");
    }

    @Test
    void aGlobalUnitsStatusIsOneBlockPerMachineAndASilentAgentIsAnError() {
        statusAnswer(200, statuses(status(M1, "active", ACTIVE), status(M2, "active", ACTIVE)));
        assertThat(run("status", "a.service")).isZero();
        assertThat(out).isEqualTo("--- m1aaaaaa.../10.0.0.1 ---\n" + ACTIVE + "--- m2bbbbbb.../10.0.0.2 ---\n" + ACTIVE);
        statusAnswer(200, statuses(status(M1, "active", ACTIVE),
                Json.createObjectBuilder().add("machineID", M2).add("error", "agent at http://10.0.0.2:4011 did not answer").build()));
        assertThat(run("status", "a.service")).isEqualTo(1);
        assertThat(out).isEqualTo("--- m1aaaaaa.../10.0.0.1 ---\n" + ACTIVE);
        assertThat(err).isEqualTo("Error: unit a.service on m2bbbbbb.../10.0.0.2: agent at http://10.0.0.2:4011 did not answer\n");
        assertThat(run("status", "--output=json", "a")).isEqualTo(0);
        JsonObject json = Json.createReader(new StringReader(out)).readObject();
        assertThat(json.getJsonArray("statuses")).hasSize(2);
        assertThat(json.getJsonArray("statuses").getJsonObject(1).getString("error")).contains("did not answer");
    }

    @Test
    void aUnitPlacedNowhereIsNotLoadedAndSaysWhy() {
        statusAnswer(200, "{\"statuses\":[],\"reason\":\"no machine with metadata role=db\"}");
        assertThat(run("status", "a")).isEqualTo(1);
        assertThat(err).isEqualTo("Unit a.service does not appear to be loaded. It is not placed: no machine with metadata role=db\n");
    }

    @Test
    void journalStreamsLinesAsTheyComeAndPassesLinesAndFollow() throws Exception {
        CountDownLatch second = new CountDownLatch(1);
        fleet.extra.put("/fleet/v1/units/a.service/journal", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(200, 0);
            OutputStream body = ex.getResponseBody();
            body.write("line 1\n".getBytes(StandardCharsets.UTF_8));
            body.flush();
            try {
                second.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            body.write("line 2\n".getBytes(StandardCharsets.UTF_8));
            body.close();
        });
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        Thread t = new Thread(() -> Fleetctl.run(new String[]{"--endpoint=" + fleet.url(), "journal", "-n", "5", "-f", "a"},
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())));
        t.start();
        // the first line arrives while the stream is still open: nothing waits for the end
        await().atMost(Duration.ofSeconds(10)).until(() -> o.toString(StandardCharsets.UTF_8).equals("line 1\n"));
        second.countDown();
        t.join(10_000);
        assertThat(o.toString(StandardCharsets.UTF_8)).isEqualTo("line 1\nline 2\n");
        assertThat(fleet.requests).contains("GET /fleet/v1/units/a.service/journal?lines=5&follow=true");
    }

    @Test
    void journalErrors() {
        fleet.extra.put("/fleet/v1/units/a.service/journal", ex -> FakeFleet.send(ex, 409,
                "{\"error\":{\"code\":409,\"message\":\"unit a.service is not on any machine\"}}"));
        assertThat(run("journal", "a")).isEqualTo(1);
        assertThat(err).isEqualTo("Unit a.service does not appear to be running: unit a.service is not on any machine\n");
        assertThat(run("journal", "--lines=10001", "a")).isEqualTo(2);
        assertThat(run("journal", "a", "b")).isEqualTo(1);
        assertThat(err).isEqualTo("One unit file must be provided\n");
        fleet.extra.put("/fleet/v1/units/g.service/journal", ex -> FakeFleet.send(ex, 400,
                "{\"error\":{\"code\":400,\"message\":\"unit g.service is on 2 machines (m1, m2): choose one with machineID\"}}"));
        assertThat(run("journal", "g")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to retrieve journal of unit g.service: unit g.service is on 2 machines (m1, m2):"
                + " choose one with machineID\n");
        run("journal", "--machine=m1", "g");
        assertThat(fleet.requests).contains("GET /fleet/v1/units/g.service/journal?lines=10&follow=false&machineID=m1");
    }

    static JsonObject unit(String name, String desired, String machine, String reason, String extraFleet) {
        var b = Json.createObjectBuilder().add("name", name).add("desiredState", desired)
                .add("options", Json.createArrayBuilder().add(Json.createObjectBuilder().add("section", "Service")
                        .add("name", "ExecStart").add("value", "/bin/x"))
                        .add(Json.createObjectBuilder().add("section", "X-Fleet").add("name", "Global").add("value", extraFleet)));
        if (machine != null) {
            b.add("machineID", machine).add("currentState", "launched");
        } else {
            b.add("currentState", "inactive");
        }
        if (reason != null) {
            b.add("reason", reason);
        }
        return b.build();
    }

    @Test
    void whyShowsTheEnginesReasonOrTheSystemdStateAndResult() {
        fleet.put("db.service", unit("db.service", "launched", null, "no machine with metadata role=db", "false"));
        assertThat(run("why", "db")).isZero();
        assertThat(out).isEqualTo("Unit db.service is not placed: no machine with metadata role=db\n");
        fleet.put("a.service", unit("a.service", "launched", M1, null, "false"));
        fleet.states.add(Json.createObjectBuilder().add("name", "a.service").add("machineID", M1).add("systemdLoadState", "loaded")
                .add("systemdActiveState", "failed").add("systemdSubState", "failed").add("systemdResult", "exit-code").build());
        assertThat(run("why", "a")).isZero();
        assertThat(out).isEqualTo("Unit a.service: desired launched, current launched, on m1aaaaaa.../10.0.0.1\n"
                + "  m1aaaaaa.../10.0.0.1: loaded failed failed, result exit-code\n"
                + "Unit a.service is not running on m1aaaaaa.../10.0.0.1 (failed, exit-code):"
                + " see fleetctl status a.service and fleetctl journal a.service\n");
        fleet.put("i.service", unit("i.service", "inactive", null, null, "false"));
        assertThat(run("why", "i")).isZero();
        assertThat(out).isEqualTo("Unit i.service is not placed: its desired state is inactive (load or start it).\n");
        assertThat(run("why", "zz")).isEqualTo(1);
        assertThat(err).isEqualTo("Unit zz.service does not exist.\n");
    }

    @Test
    void restartOfAGlobalUnitStopsItEverywhereThenStartsIt() {
        fleet.put("g.service", unit("g.service", "launched", null, null, "true"));
        // a fake agent pair: each machine follows the desired state at once
        fleet.engine = f -> {
            String d = f.units.get("g.service").getString("desiredState");
            f.states.clear();
            for (String m : List.of(M1, M2)) {
                f.states.add(Json.createObjectBuilder().add("name", "g.service").add("machineID", m)
                        .add("systemdActiveState", d.equals("launched") ? "active" : "inactive").build());
            }
        };
        assertThat(run("restart", "--block-attempts=3", "g")).isZero();
        assertThat(out).isEqualTo("Unit g.service launched on m1aaaaaa.../10.0.0.1\nUnit g.service launched on m2bbbbbb.../10.0.0.2\n");
        assertThat(fleet.requests.stream().filter(q -> q.startsWith("PUT")).map(q -> q.replaceAll(".*desiredState\":\"(\\w+).*", "$1")).toList())
                .containsExactly("loaded", "launched");
    }

    @Test
    void watchRedrawsOnlyWhenTheListingChanges() throws Exception {
        fleet.states.add(Json.createObjectBuilder().add("name", "a.service").add("machineID", M1)
                .add("systemdActiveState", "active").add("systemdSubState", "running").build());
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        Thread t = new Thread(() -> Fleetctl.run(new String[]{"--endpoint=" + fleet.url(), "list-units", "--watch", "--no-legend"},
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())));
        t.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> o.toString(StandardCharsets.UTF_8)
                    .equals("a.service\tm1aaaaaa.../10.0.0.1\tactive\trunning\n"));
            long polls = fleet.requests.stream().filter(r -> r.startsWith("GET /fleet/v1/state")).count();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    fleet.requests.stream().filter(r -> r.startsWith("GET /fleet/v1/state")).count() >= polls + 2);
            assertThat(o.toString(StandardCharsets.UTF_8)).isEqualTo("a.service\tm1aaaaaa.../10.0.0.1\tactive\trunning\n");
            fleet.states.clear();
            fleet.states.add(Json.createObjectBuilder().add("name", "a.service").add("machineID", M1)
                    .add("systemdActiveState", "failed").add("systemdSubState", "failed").build());
            await().atMost(Duration.ofSeconds(10)).until(() -> o.toString(StandardCharsets.UTF_8).equals(
                    "a.service\tm1aaaaaa.../10.0.0.1\tactive\trunning\n\na.service\tm1aaaaaa.../10.0.0.1\tfailed\tfailed\n"));
        } finally {
            t.interrupt();
            t.join(5_000);
        }
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void completionAndFleetsHelpLayout() {
        assertThat(run("completion", "bash")).isZero();
        assertThat(out).contains("complete -F").contains("list-unit-files").contains("journal");
        assertThat(run("completion", "fish")).isEqualTo(2);
        // no shell: a usage error like any other, not a stack trace
        assertThat(run("completion")).isEqualTo(Fleetctl.EXIT_USAGE);
        assertThat(out).isEmpty();
        assertThat(err).isEqualTo("fleetctl: Missing required parameter: 'SHELL'\nRun 'fleetctl help' for usage.\n");
        assertThat(run("help")).isZero();
        assertThat(out).startsWith("NAME:\n\tfleetctl - ");
        assertThat(List.of("USAGE:", "VERSION:", "COMMANDS:", "OPTIONS:", "GLOBAL OPTIONS:", "EXIT CODES:"))
                .allSatisfy(h -> assertThat(out).contains("\n" + h + "\n"));
        assertThat(out.indexOf("USAGE:")).isLessThan(out.indexOf("VERSION:"));
        assertThat(out.indexOf("VERSION:")).isLessThan(out.indexOf("COMMANDS:"));
        assertThat(out.indexOf("COMMANDS:")).isLessThan(out.indexOf("\nOPTIONS:"));
        assertThat(out.indexOf("\nOPTIONS:")).isLessThan(out.indexOf("GLOBAL OPTIONS:"));
        assertThat(run("help", "journal")).isZero();
        assertThat(out).startsWith("NAME:\n\tfleetctl journal - Print the journal").contains("\nDESCRIPTION:\n")
                .contains("\tfleetctl journal [command options] UNIT\n").doesNotContain("VERSION:")
                .contains("-n, --lines=N").contains("GLOBAL OPTIONS:\n\t--endpoint=");
    }
}
