package dev.fleet.node;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** fleet's tuning knobs: the INI file, FLEET_* variables, options, precedence, validation, the system-property path. */
class NodeTuningTest {

    @Test
    void defaults() {
        NodeTuning t = NodeTuning.merge(Map.of());
        assertThat(t).isEqualTo(NodeTuning.DEFAULTS);
        assertThat(t.reconcileInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(t.disableEngine()).isFalse();
        assertThat(t.tokenLimit()).isEqualTo(100);
        assertThat(t.agentTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(NodeTuning.fromSystemProperties(new Properties())).isEqualTo(NodeTuning.DEFAULTS);
        assertThat(t.describe()).isEqualTo("engine_reconcile_interval=1s disable_engine=false token_limit=100 agent_ttl=30s");
    }

    @Test
    void iniFileCommentsQuotesSectionsAndForeignKeys() {
        Map<String, String> f = NodeTuning.parseIni("""
                # fleet.conf
                ; another comment
                [global]
                etcd_servers=["http://10.0.0.1:2379"]
                metadata="region=us-east,disk=ssd"
                ENGINE_RECONCILE_INTERVAL = 2.5
                disable_engine='true'
                token_limit = "25"
                agent_ttl=1m

                """);
        assertThat(f).containsEntry("metadata", "region=us-east,disk=ssd").containsEntry("disable_engine", "true");
        NodeTuning t = NodeTuning.merge(f);
        assertThat(t).isEqualTo(new NodeTuning(Duration.ofMillis(2500), true, 25, Duration.ofMinutes(1)));
    }

    @Test
    void aLineWithoutEqualsIsAnError() {
        assertThatThrownBy(() -> NodeTuning.parseIni("token_limit=5\nnonsense\n"))
                .isInstanceOf(NodeTuning.Invalid.class).hasMessage("line 2: expected key=value, got 'nonsense'");
    }

    @Test
    void fileThenEnvironmentThenOptions() {
        Map<String, String> file = NodeTuning.parseIni("token_limit=10\nagent_ttl=10s\ndisable_engine=true\n");
        Map<String, String> env = NodeTuning.fromEnvironment(Map.of("FLEET_TOKEN_LIMIT", "20", "FLEET_AGENT_TTL", "20",
                "FLEET_DISABLE_ENGINE", "", "FLEET_ENDPOINT", "http://x"));
        assertThat(env).containsOnlyKeys("token_limit", "agent_ttl"); // empty = unset; agent keys are not ours
        NodeTuning t = NodeTuning.merge(file, env, Map.of("token_limit", "30"));
        assertThat(t.tokenLimit()).isEqualTo(30);
        assertThat(t.agentTtl()).isEqualTo(Duration.ofSeconds(20));
        assertThat(t.disableEngine()).isTrue();
    }

    @Test
    void reconcileIntervalIsFloatSecondsInRange() {
        assertThat(NodeTuning.reconcileInterval("2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(NodeTuning.reconcileInterval("0.1")).isEqualTo(Duration.ofMillis(100));
        assertThat(NodeTuning.reconcileInterval(".25")).isEqualTo(Duration.ofMillis(250));
        assertThat(NodeTuning.reconcileInterval("600")).isEqualTo(Duration.ofMinutes(10));
        assertThat(NodeTuning.reconcileInterval("1.0005")).isEqualTo(Duration.ofMillis(1001));
        for (String bad : List.of("0", "0.05", "601", "-1", "2s", "abc", "", "1e3")) {
            assertThatThrownBy(() -> NodeTuning.reconcileInterval(bad)).as(bad)
                    .isInstanceOf(NodeTuning.Invalid.class).hasMessageStartingWith("engine_reconcile_interval");
        }
        assertThatThrownBy(() -> NodeTuning.reconcileInterval("0.05")).hasMessage("engine_reconcile_interval 0.05 is outside 0.1..600 seconds");
    }

    @Test
    void booleansAsGoParsesThem() {
        for (String yes : List.of("1", "t", "T", "true", "TRUE", "True")) {
            assertThat(NodeTuning.bool("disable_engine", yes)).as(yes).isTrue();
        }
        for (String no : List.of("0", "f", "F", "false", "FALSE", "False")) {
            assertThat(NodeTuning.bool("disable_engine", no)).as(no).isFalse();
        }
        assertThatThrownBy(() -> NodeTuning.merge(Map.of("disable_engine", "yes")))
                .hasMessage("disable_engine 'yes' is not a boolean (true or false)");
    }

    @Test
    void tokenLimitRange() {
        assertThat(NodeTuning.tokenLimit("1")).isEqualTo(1);
        assertThat(NodeTuning.tokenLimit(" 10000 ")).isEqualTo(10000);
        assertThatThrownBy(() -> NodeTuning.tokenLimit("0")).hasMessage("token_limit 0 is outside 1..10000");
        assertThatThrownBy(() -> NodeTuning.tokenLimit("10001")).hasMessage("token_limit 10001 is outside 1..10000");
        assertThatThrownBy(() -> NodeTuning.tokenLimit("1.5")).hasMessage("token_limit '1.5' is not a whole number");
        assertThatThrownBy(() -> NodeTuning.tokenLimit("99999999999999999999")).hasMessageStartingWith("token_limit");
    }

    @Test
    void agentTtlIsAGoDurationOrSecondsInWholeSeconds() {
        assertThat(NodeTuning.agentTtl("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(NodeTuning.agentTtl("45")).isEqualTo(Duration.ofSeconds(45));
        assertThat(NodeTuning.agentTtl("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(NodeTuning.agentTtl("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(NodeTuning.agentTtl("1500ms1500ms")).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> NodeTuning.agentTtl("500ms")).hasMessage("agent_ttl 500ms is outside 1s..1h");
        assertThatThrownBy(() -> NodeTuning.agentTtl("1h1s")).hasMessage("agent_ttl 1h1s is outside 1s..1h");
        assertThatThrownBy(() -> NodeTuning.agentTtl("99999999999999h")).hasMessageContaining("outside 1s..1h");
        assertThatThrownBy(() -> NodeTuning.agentTtl("99999999999999")).hasMessage("agent_ttl 99999999999999 is outside 1s..1h");
        assertThatThrownBy(() -> NodeTuning.agentTtl("99999999999")).hasMessageContaining("outside 1s..1h");
        assertThatThrownBy(() -> NodeTuning.agentTtl("1.5s")).hasMessageContaining("whole number of seconds");
        assertThatThrownBy(() -> NodeTuning.agentTtl("thirty")).hasMessage("agent_ttl 'thirty' is not a duration (e.g. 30s, 1m30s, or seconds)");
    }

    @Test
    void systemPropertiesRoundTrip() {
        NodeTuning t = new NodeTuning(Duration.ofMillis(250), true, 7, Duration.ofSeconds(90));
        Properties p = new Properties();
        p.putAll(t.systemProperties());
        assertThat(t.systemProperties()).containsEntry("fleet.engine.reconcileInterval", "0.25")
                .containsEntry("fleet.engine.disabled", "true").containsEntry("fleet.api.tokenLimit", "7")
                .containsEntry("fleet.agent.ttl", "90s");
        assertThat(NodeTuning.fromSystemProperties(p)).isEqualTo(t);
        p.setProperty("fleet.api.tokenLimit", "0");
        assertThatThrownBy(() -> NodeTuning.fromSystemProperties(p))
                .hasMessage("fleet node settings: token_limit 0 is outside 1..10000");
    }

    @Test
    void nodeSettingsCarryTheTuning() {
        Properties p = new Properties();
        p.setProperty("fleet.name", "n9");
        p.setProperty("fleet.data.dir", "/tmp/n9");
        p.setProperty("fleet.api.tokenLimit", "5");
        assertThat(NodeSettings.from(p).tuning().tokenLimit()).isEqualTo(5);
    }

    // ------------------------------------------------------------------ the resolver bin/fleet-node runs

    record Run(int status, String out, String err) {
    }

    static Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = NodeTuningCli.run(List.of(args), env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void resolverPrintsSystemPropertiesWithTheCommandLineWinning() throws Exception {
        Path conf = Files.createTempFile("fleet", ".conf");
        try {
            Files.writeString(conf, "token_limit=10\nengine_reconcile_interval=\"0.5\"\nagent_ttl=10s\n");
            Run r = cli(Map.of("FLEET_TOKEN_LIMIT", "20", "FLEET_AGENT_TTL", "15s"), "--config=" + conf, "--token-limit=30",
                    "--disable-engine");
            assertThat(r.status()).isZero();
            assertThat(r.out().lines()).containsExactly("-Dfleet.engine.reconcileInterval=0.5", "-Dfleet.engine.disabled=true",
                    "-Dfleet.api.tokenLimit=30", "-Dfleet.agent.ttl=15s");
            Run d = cli(Map.of(), "--config=" + conf, "--describe");
            assertThat(d.out().strip()).isEqualTo("engine_reconcile_interval=0.5s disable_engine=false token_limit=10 agent_ttl=10s");
        } finally {
            Files.deleteIfExists(conf);
        }
    }

    @Test
    void resolverFailsWithOneLineNamingTheKeyAndStatusTwo() throws Exception {
        Run bad = cli(Map.of(), "--token-limit=0");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
        assertThat(bad.err()).isEqualTo("fleet-node: token_limit 0 is outside 1..10000" + System.lineSeparator());
        assertThat(cli(Map.of("FLEET_ENGINE_RECONCILE_INTERVAL", "fast")).err())
                .startsWith("fleet-node: engine_reconcile_interval 'fast' is not a number");
        assertThat(cli(Map.of(), "--config=/nonexistent/fleet.conf").err()).isEqualTo("fleet-node: --config=/nonexistent/fleet.conf: no such file"
                + System.lineSeparator());
        Path dir = Files.createTempDirectory("fleetconf");
        try {
            assertThat(cli(Map.of(), "--config=" + dir).err()).contains("is a directory");
            Path conf = dir.resolve("fleet.conf");
            Files.writeString(conf, "agent_ttl=forever\n");
            assertThat(cli(Map.of(), "--config=" + conf).err()).contains("agent_ttl 'forever' is not a duration");
            Files.writeString(conf, "oops\n");
            assertThat(cli(Map.of(), "--config=" + conf).err()).isEqualTo("fleet-node: --config=" + conf
                    + ", line 1: expected key=value, got 'oops'" + System.lineSeparator());
            Files.delete(conf);
        } finally {
            Files.deleteIfExists(dir);
        }
        assertThat(cli(Map.of(), "--token-limit").err()).isEqualTo("fleet-node: --token-limit needs a value (--token-limit=VALUE)"
                + System.lineSeparator());
        assertThat(cli(Map.of(), "--frobnicate=1").status()).isEqualTo(2);
    }
}
