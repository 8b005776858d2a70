package dev.fleet.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeSettingsTlsTest {
    @TempDir
    Path dir;

    @Test
    void raftTlsNeedsAllThreeAndReadsThePasswordFromItsFile() throws Exception {
        Properties p = new Properties();
        assertThat(NodeSettings.from(p).raftTls()).isNull();
        Files.writeString(dir.resolve("node.p12"), "x");
        Files.writeString(dir.resolve("trust.p12"), "x");
        Files.writeString(dir.resolve("password"), "s3cret\n");
        p.setProperty("fleet.raft.tls.keystore", dir.resolve("node.p12").toString());
        assertThatThrownBy(() -> NodeSettings.from(p)).hasMessageContaining("needs all of");
        p.setProperty("fleet.raft.tls.truststore", dir.resolve("trust.p12").toString());
        p.setProperty("fleet.raft.tls.passwordFile", dir.resolve("password").toString());
        var tls = NodeSettings.from(p).raftTls();
        assertThat(tls.password()).isEqualTo("s3cret");
        assertThat(NodeSettings.from(p).raftConfig(NodeSettings.from(p).members()).tls()).isEqualTo(tls);
        p.setProperty("fleet.raft.tls.truststore", dir.resolve("missing.p12").toString());
        assertThatThrownBy(() -> NodeSettings.from(p)).hasMessageContaining("missing.p12 does not exist");
    }
}
