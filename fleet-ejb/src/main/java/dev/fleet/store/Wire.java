package dev.fleet.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Primitive encodings shared by {@link StoreCodec} and the snapshot format: zig-zag varints and
 * length-prefixed strings in modified UTF-8 (one to three bytes per char, so that any Java
 * string, even one with an unpaired surrogate, round-trips exactly). Malformed input raises
 * {@link IOException}; lengths are checked against what is left so that garbage cannot make a
 * reader allocate more than the input holds.
 */
final class Wire {
    /** Reads at most this many bytes at a time when the input length is unknown. */
    private static final int CHUNK = 1 << 16;

    final DataInput in;
    private final ByteArrayInputStream bounded;

    private Wire(DataInput in, ByteArrayInputStream bounded) {
        this.in = in;
        this.bounded = bounded;
    }

    /** A reader over a byte range: lengths are checked against the bytes left. */
    static Wire over(byte[] buf, int off, int len) {
        ByteArrayInputStream bytes = new ByteArrayInputStream(buf, off, len);
        return new Wire(new DataInputStream(bytes), bytes);
    }

    /** A reader over a stream of unknown length: long values are read in chunks until EOF. */
    static Wire over(DataInput in) {
        return new Wire(in, null);
    }

    /** The next byte, not consumed (only over a byte range). */
    int peek() throws java.io.IOException {
        if (bounded == null) {
            throw new java.io.IOException("cannot peek into a stream");
        }
        bounded.mark(1);
        int b = bounded.read();
        bounded.reset();
        if (b < 0) {
            throw new java.io.EOFException();
        }
        return b;
    }

    long remaining() {
        return bounded == null ? Long.MAX_VALUE : bounded.available();
    }

    // ---- writing

    static void writeVarLong(DataOutput out, long v) throws IOException {
        long z = (v << 1) ^ (v >> 63);
        while ((z & ~0x7FL) != 0) {
            out.writeByte((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.writeByte((int) z);
    }

    static void writeString(DataOutput out, String s) throws IOException {
        if (s == null) {
            writeVarLong(out, -1);
            return;
        }
        int n = s.length();
        int len = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            len += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        byte[] b = new byte[len];
        int p = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[p++] = (byte) c;
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        writeVarLong(out, len);
        out.write(b);
    }

    // ---- reading

    long readVarLong() throws IOException {
        long z = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            z |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (z >>> 1) ^ -(z & 1);
            }
        }
        throw new IOException("varint longer than 10 bytes");
    }

    /** A count of elements that each take at least one byte. */
    int readCount() throws IOException {
        long c = readVarLong();
        if (c < 0 || c > remaining() || c > Integer.MAX_VALUE) {
            throw new IOException("bad element count " + c);
        }
        return (int) c;
    }

    String readString() throws IOException {
        long len = readVarLong();
        if (len == -1) {
            return null;
        }
        if (len < 0 || len > remaining() || len > Integer.MAX_VALUE - 8) {
            throw new IOException("bad string length " + len);
        }
        byte[] b = readBytes((int) len);
        char[] chars = new char[b.length];
        int n = 0;
        int i = 0;
        while (i < b.length) {
            int c = b[i++] & 0xFF;
            if (c < 0x80) {
                chars[n++] = (char) c;
            } else if ((c & 0xE0) == 0xC0) {
                chars[n++] = (char) (((c & 0x1F) << 6) | continuation(b, i++));
            } else if ((c & 0xF0) == 0xE0) {
                int c2 = continuation(b, i++);
                chars[n++] = (char) (((c & 0x0F) << 12) | (c2 << 6) | continuation(b, i++));
            } else {
                throw new IOException("malformed string: lead byte 0x" + Integer.toHexString(c));
            }
        }
        return new String(chars, 0, n);
    }

    private static int continuation(byte[] b, int i) throws IOException {
        if (i >= b.length || (b[i] & 0xC0) != 0x80) {
            throw new IOException("malformed string: truncated or bad continuation byte");
        }
        return b[i] & 0x3F;
    }

    private byte[] readBytes(int len) throws IOException {
        if (len <= CHUNK || bounded != null) {
            byte[] b = new byte[len];
            in.readFully(b);
            return b;
        }
        // unknown input length: grow with the data actually read, not with the claimed length
        ByteArrayOutputStream out = new ByteArrayOutputStream(CHUNK);
        byte[] chunk = new byte[CHUNK];
        int left = len;
        while (left > 0) {
            int n = Math.min(left, CHUNK);
            in.readFully(chunk, 0, n);
            out.write(chunk, 0, n);
            left -= n;
        }
        return out.toByteArray();
    }
}
