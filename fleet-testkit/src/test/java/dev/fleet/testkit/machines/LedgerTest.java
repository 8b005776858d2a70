package dev.fleet.testkit.machines;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure parts of the machine harness: records, teardown of plain files and directories, names, options. */
class LedgerTest {
    @TempDir
    Path tmp;

    @Test
    void recordsComeBackInOrderWithChildLedgersInlinedAfterTheirDirectory() {
        Ledger top = Ledger.open(tmp.resolve("i"));
        top.recordBridge("flx");
        Ledger child = top.child("m1");
        child.recordMount(Path.of("/nowhere/root"));
        top.note("net", "7");

        assertThat(top.records()).containsExactly(
                List.of("bridge", "flx"),
                List.of("ledgerdir", tmp.resolve("i/m1").toString()),
                List.of("mount", "/nowhere/root"),
                List.of("note", "net", "7"));
        assertThat(top.noted("net")).contains("7");
        assertThat(top.noted("nope")).isEmpty();
    }

    @Test
    void teardownUndoesNewestFirstAndOnlyEverRmdirs() throws Exception {
        Ledger top = Ledger.open(tmp.resolve("i"));
        Path dir = top.recordDir(tmp.resolve("i/d"));
        Files.createDirectories(dir);
        Path file = top.recordFile(dir.resolve("console.log"));
        Files.writeString(file, "x");
        Ledger child = top.child("m1");
        Path keep = child.recordDir(tmp.resolve("i/m1/full"));
        Files.createDirectories(keep);
        Files.writeString(keep.resolve("not-recorded"), "precious");

        List<String> problems = Ledger.teardown(top.dir(), Duration.ZERO);

        assertThat(dir).doesNotExist(); // its file went first (newest first), then the directory
        assertThat(keep.resolve("not-recorded")).hasContent("precious"); // a non-empty directory is never emptied
        assertThat(problems).singleElement().asString().startsWith("rmdir " + keep + ":");
        assertThat(Ledger.exists(child.dir())).isTrue(); // its ledger stays, so a later cleanup still finds what is left
        // idempotent: a second teardown finds the same and breaks nothing
        assertThat(Ledger.teardown(top.dir(), Duration.ZERO)).hasSize(problems.size());
    }

    @Test
    void aProcessRecordNeverSignalsAReusedPid() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            Ledger l = Ledger.open(tmp.resolve("p"));
            l.recordProcess(p.pid(), "sleeper", true);
            String start = ProcInfo.startTime(p.pid()).orElseThrow();
            assertThat(ProcInfo.isSame(p.pid(), start)).isTrue();
            assertThat(ProcInfo.isSame(p.pid(), start + "1")).isFalse();

            assertThat(Ledger.teardown(l.dir(), Duration.ofSeconds(10))).isEmpty();
            assertThat(p.waitFor()).isEqualTo(143); // SIGTERM: recorded as gentle
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void forgetRemovesTheLedgerOnlyWhenNothingIsLeft() {
        Ledger l = Ledger.open(tmp.resolve("f"));
        List<String> problems = new java.util.ArrayList<>(List.of("something left"));
        Ledger.forget(l.dir(), problems);
        assertThat(Ledger.exists(l.dir())).isTrue();
        problems.clear();
        Ledger.forget(l.dir(), problems);
        assertThat(l.dir()).doesNotExist();
        assertThat(problems).isEmpty();
    }

    @Test
    void ledgerFieldsCannotSmuggleTabsOrNewlines() {
        Ledger l = Ledger.open(tmp.resolve("t"));
        assertThatThrownBy(() -> l.recordDir(Path.of("/a\nmount\t/"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(l.records()).isEmpty();
    }

    @Test
    void machineIdsAreStable32HexDigitsPerName() {
        assertThat(SystemdMachine.machineIdOf("m1")).matches("[0-9a-f]{32}").isEqualTo(SystemdMachine.machineIdOf("m1"));
        assertThat(SystemdMachine.machineIdOf("m1")).isNotEqualTo(SystemdMachine.machineIdOf("m2"));
    }

    @Test
    void namesThatCouldNotBeABridgeOrAMachineAreRefused() {
        assertThat(MachineNetwork.bridgeName("t12")).isEqualTo("flt12");
        assertThat(MachineNetwork.bridgeName("abcdefghijklm")).hasSize(15);
        assertThatThrownBy(() -> MachineNetwork.bridgeName("abcdefghijklmn")).hasMessageContaining("1-13");
        assertThatThrownBy(() -> MachineNetwork.bridgeName("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SystemdMachine.spec("M1", 1)).hasMessageContaining("machine name");
        assertThatThrownBy(() -> SystemdMachine.spec("m1", 1).withUnit("../../etc/passwd", ""))
                .hasMessageContaining("not a plain unit name");
        assertThatThrownBy(() -> DevCluster.builder().metadata("m1", "region=eu;rm -rf /")).hasMessageContaining("metadata");
        assertThatThrownBy(() -> DevCluster.builder().ttl("5 s")).hasMessageContaining("ttl");
    }

    @Test
    void fleetDevOptionsAreAsadminStyle() {
        assertThat(FleetDev.options(List.of("--machines=3", "--metadata=m1:a=b", "--metadata=m2:c=d", "--force")))
                .containsEntry("machines", List.of("3"))
                .containsEntry("metadata", List.of("m1:a=b", "m2:c=d"))
                .containsEntry("force", List.of(""));
        assertThatThrownBy(() -> FleetDev.options(List.of("machines=3"))).hasMessageContaining("--option=value");
        assertThat(FleetDev.duration("180s")).isEqualTo(Duration.ofSeconds(180));
        assertThat(FleetDev.duration("3m")).isEqualTo(Duration.ofMinutes(3));
        assertThat(FleetDev.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThatThrownBy(() -> FleetDev.duration("soon")).hasMessageContaining("not a duration");
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        assertThat(Mounts.unescape("/run/a\\040b")).isEqualTo("/run/a b");
        assertThat(Mounts.unescape("/plain")).isEqualTo("/plain");
    }
}
