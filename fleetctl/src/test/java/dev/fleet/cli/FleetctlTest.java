package dev.fleet.cli;

import jakarta.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line in-process against {@link FakeFleet}. */
class FleetctlTest {
    FakeFleet fleet;
    String out;
    String err;

    @TempDir
    Path dir;

    @BeforeEach
    void boot() throws Exception {
        fleet = new FakeFleet();
        fleet.machines.add(Json.createObjectBuilder().add("id", "m1aaaaaaaaaaaaaa").add("primaryIP", "10.0.0.1").build());
    }

    @AfterEach
    void close() {
        fleet.close();
    }

    int run(String... args) {
        return keep(Captured.against(fleet, args));
    }

    int runRaw(String... args) {
        return keep(Captured.run(args));
    }

    private int keep(Captured r) {
        out = r.out();
        err = r.err();
        return r.code();
    }

    Path unit(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void helpFormsAreTheSame() {
        runRaw();
        String none = out;
        runRaw("help");
        assertThat(out).isEqualTo(none).contains("list-unit-files");
        runRaw("--help");
        assertThat(out).isEqualTo(none);
        runRaw("-h");
        assertThat(out).isEqualTo(none);
    }

    @Test
    void everyVerbTakesHelpFlags() {
        for (String verb : Fleetctl.VERBS) {
            assertThat(runRaw("help", verb)).isZero();
            String help = out;
            assertThat(help).startsWith("NAME:\n\tfleetctl " + verb + " - ");
            assertThat(runRaw(verb, "--help")).as(verb).isZero();
            assertThat(out).isEqualTo(help);
            assertThat(runRaw(verb, "-h")).as(verb).isZero();
            assertThat(out).isEqualTo(help);
        }
    }

    @Test
    void versionAndPrefixAndBadFlags() {
        assertThat(runRaw("version")).isZero();
        assertThat(out).isEqualTo("fleetctl version 0.1.0\n");
        assertThat(runRaw("vers")).isZero();
        assertThat(out).isEqualTo("fleetctl version 0.1.0\n");
        assertThat(runRaw("list-units", "--bogus")).isEqualTo(Fleetctl.EXIT_USAGE);
        assertThat(err).contains("Unknown option: '--bogus'");
        assertThat(runRaw("frobnicate")).isEqualTo(Fleetctl.EXIT_USAGE);
        assertThat(run("list-m", "--fields=nope")).isEqualTo(1);
        assertThat(err).isEqualTo("Invalid key in output format: \"nope\"\n");
        assertThat(run("list-machines", "--fields=")).isEqualTo(1);
        assertThat(err).isEqualTo("Must define output format\n");
        assertThat(runRaw("--endpoint=unix:///var/run/fleet.sock", "list-units")).isEqualTo(1);
        assertThat(err).startsWith("Unable to initialize client: ");
    }

    @Test
    void manglingAndBlockAttempts() {
        assertThat(UnitCommand.mangle("foo")).isEqualTo("foo.service");
        assertThat(UnitCommand.mangle("a/b/bar.socket")).isEqualTo("bar.socket");
        assertThat(UnitCommand.mangle("foo.target")).isEqualTo("foo.target.service");
        assertThat(UnitCommand.mangle("web@1")).isEqualTo("web@1.service");
        assertThat(BlockOptions.blockAttempts(true, 5)).isEqualTo(-1);
        assertThat(BlockOptions.blockAttempts(false, 0)).isZero();
        assertThat(BlockOptions.blockAttempts(false, -1)).isZero();
        assertThat(BlockOptions.blockAttempts(false, 9999)).isEqualTo(9999);
    }

    @Test
    void submitStartStopUnloadDestroyCat() throws Exception {
        fleet.engine = FakeFleet::placeOnM1;
        Path f = unit("hello.service", "[Service]\nExecStart=/bin/sleep 1000\n");
        assertThat(run("submit", f.toString())).isZero();
        assertThat(out).isEqualTo("Unit hello.service inactive\n");
        assertThat(run("submit", f.toString())).isZero();
        assertThat(out).isEmpty();
        assertThat(run("cat", "hello")).isZero();
        assertThat(out).isEqualTo("[Service]\nExecStart=/bin/sleep 1000\n");
        assertThat(run("start", f.toString())).isZero();
        assertThat(out).isEqualTo("Unit hello.service launched on m1aaaaaa.../10.0.0.1\n");
        assertThat(run("list-unit-files", "--no-legend", "--fields=unit,dstate,state")).isZero();
        assertThat(out).isEqualTo("hello.service\tlaunched\tlaunched\n");
        assertThat(run("stop", "hello")).isZero();
        assertThat(out).isEqualTo("Unit hello.service loaded on m1aaaaaa.../10.0.0.1\n");
        assertThat(err).isEqualTo("Successfully stopped units [hello.service].\n");
        assertThat(run("unload", "hello")).isZero();
        assertThat(out).isEqualTo("Unit hello.service inactive\n");
        assertThat(run("stop", "hello")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to stop unit hello.service in state inactive\n");
        assertThat(run("destroy", "hello", "nothere")).isZero();
        assertThat(out).isEqualTo("Destroyed hello.service\n");
        assertThat(run("destroy", "nothere")).isZero();
        assertThat(err).isEqualTo("Units not found in registry\n");
        assertThat(run("cat", "hello")).isEqualTo(1);
        assertThat(err).isEqualTo("Unit hello.service not found\n");
        assertThat(run("cat")).isEqualTo(1);
        assertThat(err).isEqualTo("One unit file must be provided\n");
        assertThat(run("start")).isZero();
        assertThat(err).isEqualTo("No units given\n");
    }

    @Test
    void replaceAndTemplates() throws Exception {
        fleet.engine = FakeFleet::placeOnM1;
        Path f = unit("app.service", "[Service]\nExecStart=/bin/a\n");
        run("submit", f.toString());
        unit("app.service", "[Service]\nExecStart=/bin/b\n");
        assertThat(run("submit", f.toString())).isZero();
        assertThat(err).isEqualTo("WARNING: Unit app.service in registry differs from local unit file " + f
                + ". Add --replace to override.\n");
        assertThat(run("start", "--replace", f.toString())).isZero();
        assertThat(out).isEqualTo("Unit app.service inactive\nUnit app.service launched on m1aaaaaa.../10.0.0.1\n");
        run("cat", "app");
        assertThat(out).contains("/bin/b");
        assertThat(run("submit", "--replace", f.toString())).isZero();
        assertThat(err).isEqualTo("Warning: can not replace Unit(app.service) in state 'launched', use the appropriate command\n");
        assertThat(run("start", "--replace", f.toString())).isZero();
        assertThat(err).isEqualTo("Found same Unit(app.service) in Registry, nothing to do\n");

        Path t = unit("web@.service", "[Service]\nExecStart=/bin/web %i\n");
        assertThat(run("load", dir.resolve("web@1").toString())).isZero();
        assertThat(out).isEqualTo("Unit web@1.service inactive\nUnit web@1.service loaded on m1aaaaaa.../10.0.0.1\n");
        run("cat", "web@1");
        assertThat(out).isEqualTo("[Service]\nExecStart=/bin/web %i\n");
        assertThat(run("submit", "nofile")).isEqualTo(1);
        assertThat(err).isEqualTo("Error creating units: unable to find Unit(nofile.service) in Registry or on filesystem\n");
        assertThat(run("submit", "api@2")).isEqualTo(1);
        assertThat(err).isEqualTo("Error creating units: unable to find template Unit(api@.service) in Registry or on filesystem\n");
        Files.delete(t);
        run("submit", t.toString().replace("web@.service", "x"));
    }

    @Test
    void unplaceableUnitShowsTheReasonAndGivesUp() throws Exception {
        fleet.engine = f -> f.units.replaceAll((k, u) -> Json.createObjectBuilder(u)
                .add("reason", "no machine with metadata role=db").build());
        Path f = unit("db.service", "[Service]\nExecStart=/bin/db\n[X-Fleet]\nMachineMetadata=role=db\n");
        long t0 = System.nanoTime();
        assertThat(run("start", "--block-attempts=1", f.toString())).isEqualTo(Fleetctl.EXIT_UNPLACEABLE);
        assertThat((System.nanoTime() - t0) / 1e9).isBetween(1.5, 6.0);
        assertThat(out).isEqualTo("Unit db.service inactive\n");
        assertThat(err).contains("Unit db.service is not placed: no machine with metadata role=db")
                .endsWith("Error waiting for unit states, exit status: unit db.service could not be placed:"
                        + " no machine with metadata role=db\n");
        assertThat(run("start", "--no-block", "db")).isZero();
        assertThat(out).isEmpty(); // already launched as desired: nothing triggered
    }

    @Test
    void restartGlobalAndValidation() throws Exception {
        fleet.engine = FakeFleet::placeOnM1;
        Path f = unit("r.service", "[Service]\nExecStart=/bin/r\n");
        assertThat(run("restart", "r")).isZero();
        assertThat(err).isEqualTo("Units not found in registry\n");
        run("submit", f.toString());
        assertThat(run("restart", "r")).isZero();
        assertThat(err).isEqualTo("Unable to restart unit r.service in state inactive\n");
        run("start", f.toString());
        assertThat(run("restart", "r")).isZero();
        assertThat(out).isEqualTo("Unit r.service loaded on m1aaaaaa.../10.0.0.1\nUnit r.service launched on m1aaaaaa.../10.0.0.1\n");
        assertThat(fleet.requests.stream().filter(q -> q.startsWith("PUT")).map(q -> q.replaceAll(".*desiredState\":\"(\\w+).*", "$1")).toList())
                .endsWith("loaded", "launched");

        Path g = unit("g.service", "[Service]\nExecStart=/bin/g\n\n[X-Fleet]\nGlobal=true\nFoo=bar\n");
        assertThat(run("start", g.toString())).isZero();
        assertThat(out).isEqualTo("Unit g.service inactive\nTriggered global unit g.service start\n");
        assertThat(err).isEqualTo("WARNING: Unit g.service has unknown [X-Fleet] option(s): Foo\n");
        assertThat(run("start", "--no-block", f.toString().replace("r.service", "n.service"))).isEqualTo(1);
        Path n = unit("n.service", "[Service]\nExecStart=/bin/n\n");
        assertThat(run("load", "--no-block", n.toString())).isZero();
        assertThat(out).isEqualTo("Unit n.service inactive\nTriggered unit n.service load\n");

        Path bad = unit("bad.service", "[Service]\nExecStart=/bin/b\n\n[X-Fleet]\nGlobal=true\nMachineID=abc\n");
        assertThat(run("submit", bad.toString())).isEqualTo(1);
        assertThat(err).isEqualTo("Error creating units: MachineID cannot be used with Global\n");
        int before = fleet.requests.size();
        Path longName = unit("long.service", "[Service]\nExecStart=/bin/b\n" + "X".repeat(300) + "=1\n");
        assertThat(run("submit", longName.toString())).isEqualTo(1);
        assertThat(err).startsWith("Error creating units: invalid unit option name \"XXX").contains("256");
        Path nul = unit("nul.service", "[Service]\nExecStart=/bin/b\u0000c\n");
        assertThat(run("submit", nul.toString())).isEqualTo(1);
        assertThat(err).startsWith("Error creating units: invalid unit option Service.ExecStart: ");
        assertThat(fleet.requests.subList(before, fleet.requests.size())).noneMatch(r -> r.startsWith("PUT"));
        assertThat(run("submit", "--sign", n.toString())).isEqualTo(2);
    }

    @Test
    void failoverToTheNextEndpoint() throws Exception {
        try (FakeFleet down = new FakeFleet()) {
            down.status503 = 1;
            assertThat(runRaw("--endpoint=http://127.0.0.1:1," + down.url() + "," + fleet.url(), "list-machines")).isZero();
            assertThat(out).isEqualTo("MACHINE\t\tIP\t\tMETADATA\nm1aaaaaa...\t10.0.0.1\t-\n");
            assertThat(down.requests).hasSize(1);
        }
        assertThat(runRaw("--endpoint=http://127.0.0.1:1", "list-unit-files")).isEqualTo(1);
        assertThat(err).startsWith("Error: unable to reach the fleet API (http://127.0.0.1:1: ");
    }

    @Test
    void jsonOutput() {
        assertThat(run("list-machines", "--output=json")).isZero();
        assertThat(Json.createReader(new java.io.StringReader(out)).readObject().getJsonArray("machines")
                .getJsonObject(0).getString("primaryIP")).isEqualTo("10.0.0.1");
        assertThat(run("list-units", "--output=yaml")).isEqualTo(Fleetctl.EXIT_USAGE);
    }
}
