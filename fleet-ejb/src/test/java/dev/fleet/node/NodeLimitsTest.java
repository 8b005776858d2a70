package dev.fleet.node;

import dev.fleet.node.NodeLimits.Limit;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The request limits: names, defaults, sources and their order, validation, the system-property path. */
class NodeLimitsTest {

    @Test
    void defaults() {
        NodeLimits d = NodeLimits.merge(Map.of());
        assertThat(d).isEqualTo(NodeLimits.DEFAULTS).isEqualTo(NodeLimits.fromSystemProperties(new Properties()));
        assertThat(d.bodyBytes()).isEqualTo(4L * 1024 * 1024);
        assertThat(d.unitFileBytes()).isEqualTo(256 * 1024);
        assertThat(d.unitOptions()).isEqualTo(2000);
        assertThat(d.keyLength()).isEqualTo(4096);
        assertThat(d.keyDepth()).isEqualTo(64);
        assertThat(d.valueBytes()).isEqualTo(1024 * 1024);
        assertThat(d.units()).isEqualTo(100_000);
        assertThat(d.machines()).isEqualTo(10_000);
        assertThat(d.metadataEntries()).isEqualTo(256);
        assertThat(d.metadataKeyLength()).isEqualTo(255);
        assertThat(d.metadataValueLength()).isEqualTo(4096);
        assertThat(d.patchOps()).isEqualTo(1000);
        assertThat(d.watchers()).isEqualTo(10_000);
        assertThat(d.watchersPerClient()).isEqualTo(2500);
        assertThat(d.journals()).isEqualTo(512);
        assertThat(d.journalsPerClient()).isEqualTo(300);
        assertThat(d.longPollSeconds()).isEqualTo(300);
        assertThat(d.describe()).isEqualTo("limits: defaults");
        assertThat(d.systemProperties()).isEmpty();
    }

    @Test
    void namesOfEachSource() {
        assertThat(Limit.BODY_BYTES.property()).isEqualTo("fleet.limits.bodyBytes");
        assertThat(Limit.BODY_BYTES.key()).isEqualTo("limit_body_bytes");
        assertThat(Limit.BODY_BYTES.option()).isEqualTo("--limit-body-bytes");
        assertThat(Limit.BODY_BYTES.env()).isEqualTo("FLEET_LIMIT_BODY_BYTES");
        // the stream helper's names, exactly
        assertThat(List.of(Limit.WATCHERS, Limit.WATCHERS_PER_CLIENT, Limit.JOURNALS, Limit.JOURNALS_PER_CLIENT,
                Limit.LONG_POLL_SECONDS)).extracting(Limit::property).containsExactly("fleet.limits.watchers",
                "fleet.limits.watchersPerClient", "fleet.limits.journals", "fleet.limits.journalsPerClient",
                "fleet.limits.longPollSeconds");
        assertThat(Limit.WATCHERS_PER_CLIENT.key()).isEqualTo("limit_watchers_per_client");
        for (Limit l : Limit.values()) {
            assertThat(Limit.byKey(l.key())).isEqualTo(l);
            assertThat(Limit.byOption(l.option())).isEqualTo(l);
            assertThat(l.defaultValue).isBetween(l.min, l.max);
            assertThat(NodeLimits.DEFAULTS.get(l)).isEqualTo(l.defaultValue);
        }
    }

    @Test
    void everyLimitAcceptsItsRangeAndNamesTheKeyOutsideIt() {
        for (Limit l : Limit.values()) {
            assertThat(NodeLimits.merge(Map.of(l.key(), Long.toString(l.max))).get(l)).isEqualTo(l.max);
            assertThat(NodeLimits.merge(Map.of(l.key(), Long.toString(l.min))).get(l)).isEqualTo(l.min);
            assertThatThrownBy(() -> NodeLimits.merge(Map.of(l.key(), Long.toString(l.max + 1))))
                    .isInstanceOf(NodeTuning.Invalid.class).hasMessage(l.key() + " " + (l.max + 1) + " is outside " + l.min + ".." + l.max);
            assertThatThrownBy(() -> NodeLimits.merge(Map.of(l.key(), Long.toString(l.min - 1))))
                    .isInstanceOf(NodeTuning.Invalid.class).hasMessageStartingWith(l.key() + " ");
        }
        assertThatThrownBy(() -> NodeLimits.merge(Map.of("limit_units", "lots")))
                .isInstanceOf(NodeTuning.Invalid.class).hasMessage("limit_units 'lots' is not a whole number");
        assertThat(NodeLimits.merge(Map.of("limit_units", "1_000")).units()).isEqualTo(1000);
    }

    @Test
    void systemPropertiesRoundTripAndABadOneNamesItself() {
        NodeLimits l = NodeLimits.DEFAULTS.with(Limit.UNITS, 3).with(Limit.BODY_BYTES, 2048);
        Properties p = new Properties();
        p.putAll(l.systemProperties());
        assertThat(p).containsOnly(Map.entry("fleet.limits.units", "3"), Map.entry("fleet.limits.bodyBytes", "2048"));
        assertThat(NodeLimits.fromSystemProperties(p)).isEqualTo(l);
        assertThat(l.describe()).isEqualTo("limit_body_bytes=2048 limit_units=3");
        p.setProperty("fleet.limits.keyDepth", "0");
        assertThatThrownBy(() -> NodeLimits.fromSystemProperties(p)).isInstanceOf(NodeTuning.Invalid.class)
                .hasMessage("fleet node settings: limit_key_depth 0 is outside 4..2048");
        assertThat(NodeSettings.from(new Properties()).limits()).isEqualTo(NodeLimits.DEFAULTS);
    }

    record Run(int status, String out, String err) { }

    static Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = NodeTuningCli.run(List.of(args), env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void fleetNodeResolvesFileThenEnvironmentThenOptions() throws Exception {
        Path conf = Files.createTempFile("fleet", ".conf");
        try {
            Files.writeString(conf, "limit_units=10\nlimit_machines=20\nlimit_patch_ops=30\n");
            Run r = cli(Map.of("FLEET_LIMIT_MACHINES", "21", "FLEET_LIMIT_PATCH_OPS", "31"), "--config=" + conf,
                    "--limit-patch-ops=32");
            assertThat(r.status).isZero();
            assertThat(r.out.lines()).contains("-Dfleet.limits.units=10", "-Dfleet.limits.machines=21",
                    "-Dfleet.limits.patchOps=32").contains("-Dfleet.api.tokenLimit=100");
            Run d = cli(Map.of(), "--config=" + conf, "--describe");
            assertThat(d.out.lines()).containsExactly(NodeTuning.DEFAULTS.describe(),
                    "limit_units=10 limit_machines=20 limit_patch_ops=30");
            // without limits, --describe prints the tuning line alone (as before)
            assertThat(cli(Map.of(), "--describe").out.lines()).containsExactly(NodeTuning.DEFAULTS.describe());
        } finally {
            Files.delete(conf);
        }
    }

    @Test
    void aBadLimitExitsTwoWithOneLineNamingTheKey() {
        Run r = cli(Map.of(), "--limit-body-bytes=12");
        assertThat(r.status).isEqualTo(2);
        assertThat(r.err.strip()).isEqualTo("fleet-node: limit_body_bytes 12 is outside 1024..1073741824");
        Run env = cli(Map.of("FLEET_LIMIT_UNITS", "-1"));
        assertThat(env.status).isEqualTo(2);
        assertThat(env.err.strip()).isEqualTo("fleet-node: limit_units -1 is outside 1..10000000");
        Run noValue = cli(Map.of(), "--limit-units");
        assertThat(noValue.status).isEqualTo(2);
        assertThat(noValue.err.strip()).isEqualTo("fleet-node: --limit-units needs a value (--limit-units=N)");
    }
}
