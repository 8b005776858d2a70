package dev.fleet.api;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The body limit: a declared length refused unread; a streamed body cut one byte past the limit, never read whole. */
class BodyLimitTest {

    @Test
    void aDeclaredLengthAtTheLimitPassesOnePastIsRefused() {
        assertThat(BodyLimit.declared(1024, 1024)).isNull();
        assertThat(BodyLimit.declared(-1, 1024)).as("none declared: counted while read").isNull();
        assertThat(BodyLimit.declared(1025, 1024)).isEqualTo("request body is 1025 bytes; the limit is 1024 bytes (limit_body_bytes)");
    }

    @Test
    void aBodyOfExactlyTheLimitIsReadWhole() throws IOException {
        BodyLimit.Counted in = new BodyLimit.Counted(new ByteArrayInputStream(new byte[1024]), 1024);
        assertThat(in.readAllBytes()).hasSize(1024);
        assertThat(in.tripped()).isNull();
    }

    /** An endless body (a client that never stops sending) that counts what was taken from it. */
    static final class Endless extends InputStream {
        long served;

        @Override
        public int read() {
            served++;
            return 'x';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) 'x');
            served += len;
            return len;
        }
    }

    @Test
    void anEndlessBodyIsCutOneBytePastTheLimit() {
        Endless body = new Endless();
        BodyLimit.Counted in = new BodyLimit.Counted(body, 1024);
        assertThatThrownBy(in::readAllBytes).isInstanceOf(BodyLimit.TooLarge.class)
                .hasMessage("request body is larger than 1024 bytes; the limit is 1024 bytes (limit_body_bytes)");
        assertThat(body.served).as("read from the client").isEqualTo(1025);
        assertThat(in.count()).isEqualTo(1025);
        assertThat(in.tripped()).isNotNull();
        assertThatThrownBy(in::read).as("every later read fails too").isInstanceOf(BodyLimit.TooLarge.class);
        assertThat(body.served).isEqualTo(1025);
    }

    @Test
    void byteByByteReadsTripAtTheSamePlace() throws IOException {
        Endless body = new Endless();
        BodyLimit.Counted in = new BodyLimit.Counted(body, 10);
        for (int i = 0; i < 10; i++) {
            assertThat(in.read()).isEqualTo('x');
        }
        assertThatThrownBy(in::read).isInstanceOf(BodyLimit.TooLarge.class);
        assertThat(body.served).isEqualTo(11);
    }

    @Test
    void theRefusalIsFoundUnderTheWrappersOfJaxRsAndTheContainer() {
        BodyLimit.TooLarge tl = new BodyLimit.TooLarge("x");
        assertThat(BodyLimit.in(new RuntimeException(new UncheckedIOException(new IOException(tl))))).isSameAs(tl);
        assertThat(BodyLimit.in(new RuntimeException("other"))).isNull();
    }
}
