package dev.fleet.it.cli;

import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.Ports;
import dev.fleet.testkit.SimulatedMachine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

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
 * The real {@code bin/fleetctl}, run as a process, against one real node ({@code bin/fleet-node}) with one
 * simulated machine ({@code cli-m1}, 10.9.0.1, role=web) that follows its schedule and reports unit states.
 * Steps run in order and share the node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetctlCliIT {
    private static final String LEGEND = "cli-m1.../10.9.0.1";

    private FleetCluster cluster;
    private SimulatedMachine.Pool pool;
    private SimulatedMachine machine;
    private Path root;
    private Path units;
    private String endpoint;

    record Result(int code, String out, String err) {
    }

    @BeforeAll
    void boot() throws Exception {
        Path work = Path.of(System.getProperty("fleet.test.work", "target/it-work")).resolve("fleetctl-" + System.currentTimeMillis());
        Files.createDirectories(work);
        units = Files.createDirectories(work.resolve("units"));
        cluster = FleetCluster.start(work, 1);
        root = FleetCluster.repositoryRoot();
        endpoint = cluster.clientUrls().get(0).toString();
        pool = new SimulatedMachine.Pool();
        machine = SimulatedMachine.builder(pool, "cli-m1", cluster.clientUrls()).publicIP("10.9.0.1")
                .metadata(Map.of("role", "web")).ttlSeconds(10).start();
        machine.registered().get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    void shutdown() {
        if (machine != null) {
            machine.crash();
        }
        if (pool != null) {
            pool.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    Result fleetctl(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/fleetctl").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(units.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("FLEETCTL_"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile(units.getParent(), "out", ".txt");
        Path err = Files.createTempFile(units.getParent(), "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("fleetctl " + args + " did not finish");
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        System.out.printf("[fleetctl-it] fleetctl %s -> %d%n%s%s", String.join(" ", args), r.code, r.out, r.err);
        return r;
    }

    Result fleetctl(String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("--endpoint=" + endpoint));
        all.addAll(List.of(args));
        return fleetctl(Map.of(), all.toArray(String[]::new));
    }

    @Test
    @Order(1)
    void helpVersionAndBadFlags() throws Exception {
        Result none = fleetctl(Map.of());
        assertThat(none.code).isZero();
        assertThat(none.out).contains("list-unit-files").contains("--endpoint");
        for (String h : List.of("help", "--help", "-h")) {
            assertThat(fleetctl(Map.of(), h).out).isEqualTo(none.out);
        }
        assertThat(fleetctl(Map.of(), "version").out).isEqualTo("fleetctl version 0.1.0\n");
        Result bad = fleetctl("list-units", "--bogus");
        assertThat(bad.code).isEqualTo(2);
        assertThat(bad.err).contains("Unknown option: '--bogus'");
        Result badFields = fleetctl("list-unit-files", "--fields=unit,nope");
        assertThat(badFields.code).isEqualTo(1);
        assertThat(badFields.err).isEqualTo("Invalid key in output format: \"nope\"\n");
        Result scheme = fleetctl(Map.of(), "--endpoint=unix:///var/run/fleet.sock", "list-units");
        assertThat(scheme.code).isEqualTo(1);
        assertThat(scheme.err).startsWith("Unable to initialize client: ");
    }

    @Test
    @Order(2)
    void listMachinesAndFailover() throws Exception {
        String expected = "MACHINE\t\tIP\t\tMETADATA\ncli-m1...\t10.9.0.1\trole=web\n";
        Result r = fleetctl("list-machines");
        assertThat(r.code).isZero();
        assertThat(r.out).isEqualTo(expected);
        assertThat(fleetctl("list-m", "--no-legend", "-l", "--fields=ip,machine").out).isEqualTo("10.9.0.1\tcli-m1\n");
        int dead = Ports.free();
        Result failover = fleetctl(Map.of(), "--endpoint=http://127.0.0.1:" + dead + "," + endpoint, "list-machines");
        assertThat(failover.code).isZero();
        assertThat(failover.out).isEqualTo(expected);
        // the environment gives the endpoint; the command line wins over it
        assertThat(fleetctl(Map.of("FLEETCTL_ENDPOINT", endpoint), "list-machines").out).isEqualTo(expected);
        assertThat(fleetctl(Map.of("FLEETCTL_ENDPOINT", "http://127.0.0.1:" + dead), "--endpoint=" + endpoint,
                "list-machines").out).isEqualTo(expected);
        Result down = fleetctl(Map.of("FLEETCTL_ENDPOINT", "http://127.0.0.1:" + dead), "list-machines");
        assertThat(down.code).isEqualTo(1);
        assertThat(down.err).startsWith("Error retrieving list of active machines from fleet API");
    }

    @Test
    @Order(3)
    void submitStartStopDestroy() throws Exception {
        Path hello = units.resolve("hello.service");
        Files.writeString(hello, "[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sleep 1000\n");
        Result submit = fleetctl("submit", "hello");
        assertThat(submit.code).isZero();
        assertThat(submit.out).isEqualTo("Unit hello.service inactive\n");
        Result start = fleetctl("start", "--block-attempts=30", "hello.service");
        assertThat(start.code).isZero();
        assertThat(start.out).isEqualTo("Unit hello.service launched on " + LEGEND + "\n");
        Result cat = fleetctl("cat", "hello");
        assertThat(cat.out).isEqualTo("[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sleep 1000\n");
        String hash = dev.fleet.unit.UnitFile.parse(Files.readString(hello)).shortHash();
        assertThat(fleetctl("list-unit-files").out).isEqualTo(
                "UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\nhello.service\t" + hash + "\tlaunched\tlaunched\t" + LEGEND + "\n");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fleetctl("list-units").out).isEqualTo(
                "UNIT\t\tMACHINE\t\t\tACTIVE\tSUB\nhello.service\t" + LEGEND + "\tactive\trunning\n"));
        assertThat(fleetctl("list-units", "--no-legend", "--fields=unit,load,hash").out)
                .isEqualTo("hello.service\tloaded\t" + hash + "\n");
        Result json = fleetctl("list-unit-files", "--output=json");
        assertThat(json.out).contains("\"units\"").contains("\"desiredState\": \"launched\"").contains("\"machineID\": \"cli-m1\"");

        Result restart = fleetctl("restart", "--block-attempts=30", "hello");
        assertThat(restart.code).isZero();
        assertThat(restart.out).isEqualTo("Unit hello.service loaded on " + LEGEND + "\nUnit hello.service launched on " + LEGEND + "\n");

        Result stop = fleetctl("stop", "--block-attempts=30", "hello");
        assertThat(stop.code).isZero();
        assertThat(stop.out).isEqualTo("Unit hello.service loaded on " + LEGEND + "\n");
        assertThat(stop.err).isEqualTo("Successfully stopped units [hello.service].\n");
        Result unload = fleetctl("unload", "--block-attempts=30", "hello");
        assertThat(unload.code).isZero();
        assertThat(unload.out).isEqualTo("Unit hello.service inactive\n");
        Result stopInactive = fleetctl("stop", "hello");
        assertThat(stopInactive.code).isEqualTo(1);
        assertThat(stopInactive.err).isEqualTo("Unable to stop unit hello.service in state inactive\n");
        Result destroy = fleetctl("destroy", "hello");
        assertThat(destroy.code).isZero();
        assertThat(destroy.out).isEqualTo("Destroyed hello.service\n");
        Result again = fleetctl("destroy", "hello");
        assertThat(again.code).isZero();
        assertThat(again.err).isEqualTo("Units not found in registry\n");
        Result catGone = fleetctl("cat", "hello");
        assertThat(catGone.code).isEqualTo(1);
        assertThat(catGone.err).isEqualTo("Unit hello.service not found\n");
    }

    @Test
    @Order(4)
    void templateInstanceAndReplace() throws Exception {
        Files.writeString(units.resolve("web@.service"), "[Service]\nExecStart=/bin/web %i\n");
        Result load = fleetctl("load", "--block-attempts=30", "web@1");
        assertThat(load.code).isZero();
        assertThat(load.out).isEqualTo("Unit web@1.service inactive\nUnit web@1.service loaded on " + LEGEND + "\n");
        Files.writeString(units.resolve("web@.service"), "[Service]\nExecStart=/bin/web2 %i\n");
        Result warn = fleetctl("submit", "web@1");
        assertThat(warn.err).isEqualTo("WARNING: Unit web@1.service in registry differs from local unit file web@1.service."
                + " Add --replace to override.\n");
        Result replaced = fleetctl("start", "--replace", "--block-attempts=30", "web@1");
        assertThat(replaced.code).isZero();
        assertThat(replaced.out).isEqualTo("Unit web@1.service inactive\nUnit web@1.service launched on " + LEGEND + "\n");
        assertThat(fleetctl("cat", "web@1").out).contains("/bin/web2 %i");
        assertThat(fleetctl("destroy", "web@1").out).isEqualTo("Destroyed web@1.service\n");
        Result missing = fleetctl("submit", "api@2");
        assertThat(missing.code).isEqualTo(1);
        assertThat(missing.err).isEqualTo("Error creating units: unable to find template Unit(api@.service) in Registry or on filesystem\n");
    }

    @Test
    @Order(5)
    void unplaceableStartShowsTheReasonAndGivesUp() throws Exception {
        Files.writeString(units.resolve("db.service"), "[Service]\nExecStart=/bin/db\n\n[X-Fleet]\nMachineMetadata=role=db\n");
        long t0 = System.nanoTime();
        Result r = fleetctl("start", "--block-attempts=3", "db");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(r.code).isEqualTo(3);
        assertThat(r.out).isEqualTo("Unit db.service inactive\n");
        assertThat(r.err).contains("Unit db.service is not placed: ")
                .contains("Error waiting for unit states, exit status: unit db.service could not be placed: ");
        assertThat(seconds).isLessThan(30);
        Result listed = fleetctl("list-unit-files", "--no-legend", "--fields=unit,dstate,state,target");
        assertThat(listed.out).isEqualTo("db.service\tlaunched\tinactive\t-\n");
        assertThat(fleetctl("destroy", "db").out).isEqualTo("Destroyed db.service\n");
    }
}
