package dev.fleet.cli;

import jakarta.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * fleet's literal flag spellings (§1.8: -l, -f and -A registered as the long flags --l, --f and --A), booleans with a
 * value (pflag's --no-block=true), the deprecated flags (§1.1, §1.2), the SSH flags of status and journal, and the
 * client set-up errors for what is not there (unix://, TLS files): golden output.
 */
class FleetSpellingsTest {
    static final String M1 = "m1aaaaaaaaaaaaaa";

    @TempDir
    Path dir;
    FakeFleet fleet;
    String out;
    String err;

    @BeforeEach
    void boot() throws Exception {
        fleet = new FakeFleet();
        fleet.machines.add(Json.createObjectBuilder().add("id", M1).add("primaryIP", "10.0.0.1").build());
        fleet.states.add(Json.createObjectBuilder().add("name", "a.service").add("machineID", M1)
                .add("systemdActiveState", "active").add("systemdSubState", "running").build());
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

    int runRaw(String... args) {
        Captured r = Captured.run(args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    @Test
    void fullAsFleetSpelledIt() {
        String full = "UNIT\t\tMACHINE\t\t\t\tACTIVE\tSUB\na.service\tm1aaaaaaaaaaaaaa/10.0.0.1\tactive\trunning\n";
        String shortened = "UNIT\t\tMACHINE\t\t\tACTIVE\tSUB\na.service\tm1aaaaaa.../10.0.0.1\tactive\trunning\n";
        for (String f : new String[] {"--l", "-l", "--full", "--full=true", "--l=true"}) {
            assertThat(run("list-units", f)).as(f).isZero();
            assertThat(out).as(f).isEqualTo(full);
        }
        for (String f : new String[] {"--full=false", "--l=false"}) {
            assertThat(run("list-units", f)).as(f).isZero();
            assertThat(out).as(f).isEqualTo(shortened);
        }
        assertThat(run("list-machines", "--l", "--no-legend")).isZero();
        assertThat(out).isEqualTo("m1aaaaaaaaaaaaaa\t10.0.0.1\t-\n");
        // fleet's list-unit-files has --full only
        assertThat(run("list-unit-files", "--l")).isEqualTo(Fleetctl.EXIT_USAGE);
        assertThat(err).startsWith("fleetctl: Unknown option: '--l'");
    }

    @Test
    void booleansTakeAValue() {
        assertThat(run("list-units", "--no-legend=true")).isZero();
        assertThat(out).isEqualTo("a.service\tm1aaaaaa.../10.0.0.1\tactive\trunning\n");
        assertThat(run("list-units", "--no-legend=false")).isZero();
        assertThat(out).startsWith("UNIT\t");
        assertThat(run("list-machines", "--no-legend=yes")).isEqualTo(Fleetctl.EXIT_USAGE);
        assertThat(err).startsWith("fleetctl: Invalid value for option '--no-legend': 'yes' is not a boolean");

        fleet.put("s.service", AgentVerbsTest.unit("s.service", "launched", M1, null, "false"));
        assertThat(run("stop", "--no-block=true", "s")).isZero();
        assertThat(out).isEqualTo("Triggered unit s.service stop\n");
        assertThat(fleet.requests).contains("PUT /fleet/v1/units/s.service {\"name\":\"s.service\",\"desiredState\":\"loaded\"}");
    }

    @Test
    void journalFollowAsFleetSpelledItAndItsOutputMode() {
        fleet.extra.put("/fleet/v1/units/a.service/journal", ex -> FakeFleet.send(ex, 200, "line\n"));
        assertThat(run("journal", "--f", "a")).isZero();
        assertThat(out).isEqualTo("line\n");
        assertThat(run("journal", "--follow=false", "--output=json", "a")).isZero();
        assertThat(run("journal", "--sudo", "--ssh-port=2222", "--lines=3", "a")).isZero();
        assertThat(fleet.requests).containsSubsequence("GET /fleet/v1/units/a.service/journal?lines=10&follow=true",
                "GET /fleet/v1/units/a.service/journal?lines=10&follow=false&output=json",
                "GET /fleet/v1/units/a.service/journal?lines=3&follow=false");
        fleet.extra.put("/fleet/v1/units/a.service/journal", ex -> FakeFleet.send(ex, 400,
                "{\"error\":{\"code\":400,\"message\":\"output must be one of journalctl's modes: short, ...\"}}"));
        assertThat(run("journal", "--output=bogus", "a")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to retrieve journal of unit a.service: output must be one of journalctl's modes: short, ...\n");
    }

    @Test
    void statusTakesFleetsSshPort() {
        fleet.extra.put("/fleet/v1/units/a.service/status", ex -> FakeFleet.send(ex, 200,
                Json.createObjectBuilder().add("statuses", Json.createArrayBuilder().add(AgentVerbsTest.status(M1, "active", "ok\n")))
                        .build().toString()));
        assertThat(run("status", "--ssh-port=2222", "a")).isZero();
        assertThat(out).isEqualTo("ok\n");
    }

    @Test
    void deprecatedGlobalFlagsWarnAsPflagDid() {
        assertThat(run("--experimental-api", "list-machines", "--no-legend")).isZero();
        assertThat(err).isEqualTo("Flag --experimental-api has been deprecated, the HTTP API is the only one.\n");
        assertThat(out).isEqualTo("m1aaaaaa...\t10.0.0.1\t-\n");
        assertThat(run("--experimental-api=false", "list-machines", "--no-legend")).isZero();
        assertThat(err).isEqualTo("Flag --experimental-api has been deprecated, the HTTP API is the only one.\n");
        // fleet's --etcd-keyfile & co. were the TLS files under old names: warned about, then as --key-file & co.
        assertThat(run("--etcd-keyfile=/k", "--etcd-certfile=/c", "--etcd-cafile=/a", "list-machines")).isEqualTo(1);
        assertThat(err).isEqualTo("Flag --etcd-keyfile has been deprecated, use --key-file instead.\n"
                + "Flag --etcd-certfile has been deprecated, use --cert-file instead.\n"
                + "Flag --etcd-cafile has been deprecated, use --ca-file instead.\n"
                + "Unable to initialize client: cannot read /a: /a\n");
    }

    @Test
    void deprecatedSigningIsRefusedAsFleetDid() throws Exception {
        Path u = Files.writeString(dir.resolve("x.service"), "[Service]\nExecStart=/bin/x\n");
        assertThat(run("submit", "--sign", u.toString())).isEqualTo(Fleetctl.EXIT_USAGE);
        assertThat(err).isEqualTo("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.\n");
        assertThat(run("submit", "--sign=false", u.toString())).isZero();
        assertThat(out).isEqualTo("Unit x.service inactive\n");
        assertThat(run("verify", "x")).isEqualTo(Fleetctl.EXIT_USAGE);
        assertThat(err).isEqualTo("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.\n");
    }

    @Test
    void tlsFilesItCannotUseAndUnixSocketsAreClearErrors() {
        assertThat(run("--ca-file=/nonexistent/ca.pem", "list-units")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to initialize client: cannot read /nonexistent/ca.pem: /nonexistent/ca.pem\n");
        for (String f : new String[] {"--cert-file=/c.pem", "--key-file=/k.pem"}) {
            assertThat(run(f, "list-units")).as(f).isEqualTo(1);
            assertThat(err).as(f).isEqualTo("Unable to initialize client: a client certificate needs its key and a key its"
                    + " certificate (--cert-file and --key-file)\n");
        }
        assertThat(runRaw("--endpoint=unix:///var/run/fleet.sock", "list-units")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to initialize client: unix socket endpoints are not supported (unix:///var/run/fleet.sock):"
                + " the fleet API is served over HTTP only; use --endpoint=http://HOST:4001\n");
        assertThat(fleet.requests).isEmpty();
    }

    @Test
    void globalSshFlagsAreInTheHelp() {
        assertThat(runRaw("help")).isZero();
        assertThat(out).contains("--tunnel=HOST[:PORT]", "--ssh-username=USER", "--ssh-timeout=SECONDS",
                "--known-hosts-file=FILE", "--strict-host-key-checking", "--ca-file=FILE", "--cert-file=FILE", "--key-file=FILE",
                "ssh  ", "Open interactive shell on a machine in the cluster")
                .doesNotContain("--experimental-api", "--etcd-keyfile");
    }
}
