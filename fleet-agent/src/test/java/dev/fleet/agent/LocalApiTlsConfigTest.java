package dev.fleet.agent;

import dev.fleet.agent.config.AgentConfig.TlsFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The local API is served over TLS exactly when the CA, the machine's certificate and its key are all configured. */
class LocalApiTlsConfigTest {
    @Test
    void allThreeFilesTurnTlsOn() {
        Path ca = Path.of("/etc/fleet/ca.pem");
        Path cert = Path.of("/etc/fleet/agent.pem");
        Path key = Path.of("/etc/fleet/agent-key.pem");
        assertThat(AgentMain.localApiTls(new TlsFiles(ca, cert, key))).isTrue();
        assertThat(AgentMain.localApiTls(new TlsFiles(ca, null, null))).as("a CA file alone: client TLS only").isFalse();
        assertThat(AgentMain.localApiTls(new TlsFiles(null, cert, key))).as("no CA to check the nodes with").isFalse();
        assertThat(AgentMain.localApiTls(null)).isFalse();
    }
}
