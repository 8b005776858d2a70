package dev.fleet.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;

import static org.assertj.core.api.Assertions.assertThat;

/** A failure that is only the client's connection closing is not a server error to log with an id. */
class ErrorPageServletTest {
    @Test
    void aClosedConnectionIsTheClientGoneAndAnythingElseIsNot() {
        assertThat(ErrorPageServlet.clientGone(new UncheckedIOException(new IOException("Connection is closed")))).isTrue();
        assertThat(ErrorPageServlet.clientGone(new IOException("java.io.IOException: Broken pipe"))).isTrue();
        assertThat(ErrorPageServlet.clientGone(new RuntimeException(new ClosedChannelException()))).isTrue();
        assertThat(ErrorPageServlet.clientGone(new IOException("No space left on device"))).isFalse();
        assertThat(ErrorPageServlet.clientGone(new IllegalStateException("bug"))).isFalse();
        assertThat(ErrorPageServlet.clientGone(null)).isFalse();
    }
}
