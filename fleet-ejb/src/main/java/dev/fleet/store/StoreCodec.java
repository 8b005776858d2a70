package dev.fleet.store;

import java.io.ByteArrayOutputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Binary encoding of commands and results for the RAFT log and for REDIRECT replies.
 *
 * <p>Layout: a format version byte, a type tag, then the fields. Longs are zig-zag varints,
 * strings are length-prefixed modified UTF-8 (null allowed), booleans and "is set" markers of
 * nullable fields are packed into one flag byte per record. Decoding rejects garbage with
 * {@link IllegalArgumentException}: every count and length is checked against the bytes left,
 * nesting is bounded, trailing bytes are an error.
 */
public final class StoreCodec {
    static final int VERSION = 1;

    private static final int PUT = 1;
    private static final int POST = 2;
    private static final int DELETE = 3;
    private static final int QUORUM_GET = 4;
    private static final int TICK = 5;
    private static final int TXN = 6;
    private static final int GROUP = 7;

    private static final int EVENT = 1;
    private static final int BATCH = 2;
    private static final int ERROR = 3;
    private static final int RESULT_GROUP = 4;

    /** Deeper than any real tree: a 4096-char key has at most 2048 segments. */
    static final int MAX_VIEW_DEPTH = 2100;

    private StoreCodec() { }

    public static byte[] encode(Command command) {
        Objects.requireNonNull(command, "command");
        return write(out -> {
            out.writeByte(VERSION);
            writeCommand(out, command);
        });
    }

    /**
     * The encoding of {@code new Command.Group(time, commands)} built from the commands' own encodings (each as
     * {@link #encode(Command)} made it), so that group commit encodes every command once.
     */
    public static byte[] encodeGroup(long time, List<byte[]> encodedCommands) {
        return write(out -> {
            out.writeByte(VERSION);
            out.writeByte(GROUP);
            Wire.writeVarLong(out, time);
            Wire.writeVarLong(out, encodedCommands.size());
            for (byte[] c : encodedCommands) {
                if (c.length < 2 || c[0] != VERSION || c[1] == GROUP || c[1] == TICK) {
                    throw new IllegalArgumentException("not an encoded command a group may hold");
                }
                out.write(c, 1, c.length - 1); // without its version byte
            }
        });
    }

    public static Command decodeCommand(byte[] buf, int off, int len) {
        Wire in = open(buf, off, len);
        try {
            Command c = readTopCommand(in);
            requireEnd(in);
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed command: " + e.getMessage(), e);
        }
    }

    public static byte[] encode(Result result) {
        Objects.requireNonNull(result, "result");
        return write(out -> {
            out.writeByte(VERSION);
            writeResult(out, result);
        });
    }

    private static void writeResult(DataOutput out, Result result) throws IOException {
            if (result instanceof Result.Group g) {
                out.writeByte(RESULT_GROUP);
                Wire.writeVarLong(out, g.index());
                Wire.writeVarLong(out, g.results().size());
                for (Result r : g.results()) {
                    if (r instanceof Result.Group) {
                        throw new IllegalArgumentException("a group result holds no groups");
                    }
                    writeResult(out, r);
                }
            } else if (result instanceof Result.Event e) {
                out.writeByte(EVENT);
                writeEvent(out, e);
            } else if (result instanceof Result.Batch b) {
                out.writeByte(BATCH);
                Wire.writeVarLong(out, b.index());
                Wire.writeVarLong(out, b.events().size());
                for (Result.Event e : b.events()) {
                    writeEvent(out, e);
                }
            } else if (result instanceof StoreError s) {
                out.writeByte(ERROR);
                Wire.writeVarLong(out, s.errorCode());
                Wire.writeString(out, s.message());
                Wire.writeString(out, s.cause());
                Wire.writeVarLong(out, s.index());
            } else {
                throw new IllegalArgumentException("unknown result type " + result.getClass());
            }
    }

    public static Result decodeResult(byte[] buf, int off, int len) {
        Wire in = open(buf, off, len);
        try {
            Result r = readResult(in, true);
            requireEnd(in);
            return r;
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed result: " + e.getMessage(), e);
        }
    }

    private static Result readResult(Wire in, boolean allowGroup) throws IOException {
            Result r;
            int tag = in.in.readUnsignedByte();
            switch (tag) {
                case RESULT_GROUP -> {
                    if (!allowGroup) {
                        throw new IOException("a group result cannot hold a group");
                    }
                    long index = in.readVarLong();
                    int n = in.readCount();
                    List<Result> results = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        results.add(readResult(in, false));
                    }
                    r = new Result.Group(results, index);
                }
                case EVENT -> r = readEvent(in);
                case BATCH -> {
                    long index = in.readVarLong();
                    int n = in.readCount();
                    List<Result.Event> events = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        events.add(readEvent(in));
                    }
                    r = new Result.Batch(events, index);
                }
                case ERROR -> {
                    long code = in.readVarLong();
                    if (code < Integer.MIN_VALUE || code > Integer.MAX_VALUE) {
                        throw new IOException("error code out of range: " + code);
                    }
                    r = new StoreError((int) code, in.readString(), in.readString(), in.readVarLong());
                }
                default -> throw new IOException("unknown result tag " + tag);
            }
            return r;
    }

    // ---- commands

    private static void writeCommand(DataOutput out, Command command) throws IOException {
        if (command instanceof Command.Put p) {
            out.writeByte(PUT);
            Wire.writeVarLong(out, p.time());
            Wire.writeString(out, p.key());
            Wire.writeString(out, p.value());
            out.writeByte(flags(p.dir(), p.refresh(), p.ttl() != null, p.prevExist() != null,
                    Boolean.TRUE.equals(p.prevExist()), p.prevIndex() != null));
            if (p.ttl() != null) {
                Wire.writeVarLong(out, p.ttl());
            }
            Wire.writeString(out, p.prevValue());
            if (p.prevIndex() != null) {
                Wire.writeVarLong(out, p.prevIndex());
            }
        } else if (command instanceof Command.Post p) {
            out.writeByte(POST);
            Wire.writeVarLong(out, p.time());
            Wire.writeString(out, p.dirKey());
            Wire.writeString(out, p.value());
            out.writeByte(flags(p.ttl() != null));
            if (p.ttl() != null) {
                Wire.writeVarLong(out, p.ttl());
            }
        } else if (command instanceof Command.Delete d) {
            out.writeByte(DELETE);
            Wire.writeVarLong(out, d.time());
            Wire.writeString(out, d.key());
            out.writeByte(flags(d.dir(), d.recursive(), d.prevIndex() != null));
            Wire.writeString(out, d.prevValue());
            if (d.prevIndex() != null) {
                Wire.writeVarLong(out, d.prevIndex());
            }
        } else if (command instanceof Command.QuorumGet q) {
            out.writeByte(QUORUM_GET);
            Wire.writeVarLong(out, q.time());
            Wire.writeString(out, q.key());
            out.writeByte(flags(q.recursive(), q.sorted()));
        } else if (command instanceof Command.Tick t) {
            out.writeByte(TICK);
            Wire.writeVarLong(out, t.time());
        } else if (command instanceof Command.Group g) {
            out.writeByte(GROUP);
            Wire.writeVarLong(out, g.time());
            Wire.writeVarLong(out, g.commands().size());
            for (Command c : g.commands()) {
                writeCommand(out, c);
            }
        } else if (command instanceof Command.Txn t) {
            out.writeByte(TXN);
            Wire.writeVarLong(out, t.time());
            Wire.writeVarLong(out, t.conditions().size());
            for (Command.Condition c : t.conditions()) {
                Wire.writeString(out, c.key());
                out.writeByte(flags(c.prevExist() != null, Boolean.TRUE.equals(c.prevExist()), c.prevIndex() != null));
                Wire.writeString(out, c.prevValue());
                if (c.prevIndex() != null) {
                    Wire.writeVarLong(out, c.prevIndex());
                }
            }
            Wire.writeVarLong(out, t.operations().size());
            for (Command op : t.operations()) {
                writeCommand(out, op);
            }
        } else {
            throw new IllegalArgumentException("unknown command type " + command.getClass());
        }
    }

    /** A log entry: any command, or a group of commands (which may hold transactions, not groups or ticks). */
    private static Command readTopCommand(Wire in) throws IOException {
        if (in.peek() != GROUP) {
            return readCommand(in, true);
        }
        in.in.readUnsignedByte();
        long time = in.readVarLong();
        int n = in.readCount();
        List<Command> commands = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Command c = readCommand(in, true);
            if (c instanceof Command.Tick) {
                throw new IOException("a group holds no ticks");
            }
            commands.add(c);
        }
        return new Command.Group(time, commands);
    }

    private static Command readCommand(Wire in, boolean allowTxn) throws IOException {
        int tag = in.in.readUnsignedByte();
        switch (tag) {
            case PUT -> {
                long time = in.readVarLong();
                String key = in.readString();
                String value = in.readString();
                int f = readFlags(in, 6);
                Long ttl = bit(f, 2) ? in.readVarLong() : null;
                Boolean prevExist = bit(f, 3) ? bit(f, 4) : null;
                if (!bit(f, 3) && bit(f, 4)) {
                    throw new IOException("prevExist value without prevExist");
                }
                String prevValue = in.readString();
                Long prevIndex = bit(f, 5) ? in.readVarLong() : null;
                return new Command.Put(time, key, value, bit(f, 0), ttl, prevExist, prevValue, prevIndex, bit(f, 1));
            }
            case POST -> {
                long time = in.readVarLong();
                String dirKey = in.readString();
                String value = in.readString();
                int f = readFlags(in, 1);
                return new Command.Post(time, dirKey, value, bit(f, 0) ? in.readVarLong() : null);
            }
            case DELETE -> {
                long time = in.readVarLong();
                String key = in.readString();
                int f = readFlags(in, 3);
                String prevValue = in.readString();
                Long prevIndex = bit(f, 2) ? in.readVarLong() : null;
                return new Command.Delete(time, key, bit(f, 0), bit(f, 1), prevValue, prevIndex);
            }
            case QUORUM_GET -> {
                long time = in.readVarLong();
                String key = in.readString();
                int f = readFlags(in, 2);
                return new Command.QuorumGet(time, key, bit(f, 0), bit(f, 1));
            }
            case TICK -> {
                return new Command.Tick(in.readVarLong());
            }
            case TXN -> {
                if (!allowTxn) {
                    throw new IOException("a transaction cannot hold a transaction");
                }
                long time = in.readVarLong();
                int nc = in.readCount();
                List<Command.Condition> conditions = new ArrayList<>(nc);
                for (int i = 0; i < nc; i++) {
                    String key = in.readString();
                    int f = readFlags(in, 3);
                    if (!bit(f, 0) && bit(f, 1)) {
                        throw new IOException("prevExist value without prevExist");
                    }
                    Boolean prevExist = bit(f, 0) ? bit(f, 1) : null;
                    String prevValue = in.readString();
                    Long prevIndex = bit(f, 2) ? in.readVarLong() : null;
                    conditions.add(new Command.Condition(key, prevExist, prevValue, prevIndex));
                }
                int no = in.readCount();
                List<Command> ops = new ArrayList<>(no);
                for (int i = 0; i < no; i++) {
                    Command op = readCommand(in, false);
                    if (!(op instanceof Command.Put || op instanceof Command.Post || op instanceof Command.Delete)) {
                        throw new IOException("a transaction holds only Put, Post and Delete");
                    }
                    ops.add(op);
                }
                return new Command.Txn(time, conditions, ops);
            }
            default -> throw new IOException("unknown command tag " + tag);
        }
    }

    // ---- events and node views (also used by the snapshot format)

    static void writeEvent(DataOutput out, Result.Event e) throws IOException {
        Wire.writeString(out, e.action());
        writeOptionalView(out, e.node());
        writeOptionalView(out, e.prevNode());
        Wire.writeVarLong(out, e.index());
    }

    static Result.Event readEvent(Wire in) throws IOException {
        String action = in.readString();
        NodeView node = readOptionalView(in);
        NodeView prevNode = readOptionalView(in);
        return new Result.Event(action, node, prevNode, in.readVarLong());
    }

    private static void writeOptionalView(DataOutput out, NodeView v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            writeView(out, v);
        }
    }

    /** Pre-order, iteratively: a tree may be 2048 levels deep, too deep for recursion on small stacks. */
    private static void writeView(DataOutput out, NodeView v) throws IOException {
        ArrayDeque<Iterator<NodeView>> stack = new ArrayDeque<>();
        writeViewHeader(out, v);
        if (v.nodes() != null) {
            stack.push(v.nodes().iterator());
        }
        while (!stack.isEmpty()) {
            Iterator<NodeView> it = stack.peek();
            if (!it.hasNext()) {
                stack.pop();
                continue;
            }
            NodeView child = it.next();
            writeViewHeader(out, child);
            if (child.nodes() != null) {
                stack.push(child.nodes().iterator());
            }
        }
    }

    private static void writeViewHeader(DataOutput out, NodeView v) throws IOException {
        out.writeByte(flags(v.dir(), v.nodes() != null, v.expiration() != null));
        Wire.writeString(out, v.key());
        Wire.writeString(out, v.value());
        Wire.writeVarLong(out, v.createdIndex());
        Wire.writeVarLong(out, v.modifiedIndex());
        if (v.expiration() != null) {
            Wire.writeVarLong(out, v.expiration());
        }
        if (v.nodes() != null) {
            Wire.writeVarLong(out, v.nodes().size());
        }
    }

    private static NodeView readOptionalView(Wire in) throws IOException {
        int present = in.in.readUnsignedByte();
        if (present > 1) {
            throw new IOException("bad presence marker " + present);
        }
        return present == 1 ? readView(in) : null;
    }

    /** A view whose children are still being read. */
    private static final class PendingView {
        int flags;
        String key;
        String value;
        long created;
        long modified;
        Long expiration;
        List<NodeView> nodes;
        int left;

        NodeView build() {
            return new NodeView(key, value, bit(flags, 0), nodes, created, modified, expiration);
        }
    }

    /** The inverse of {@link #writeView}, iterative too, with the depth bounded against garbage. */
    private static NodeView readView(Wire in) throws IOException {
        ArrayDeque<PendingView> stack = new ArrayDeque<>();
        stack.push(readViewHeader(in));
        while (true) {
            PendingView top = stack.peek();
            if (top.left > 0) {
                top.left--;
                if (stack.size() > MAX_VIEW_DEPTH) {
                    throw new IOException("node views nested deeper than " + MAX_VIEW_DEPTH);
                }
                stack.push(readViewHeader(in));
                continue;
            }
            stack.pop();
            NodeView done = top.build();
            if (stack.isEmpty()) {
                return done;
            }
            stack.peek().nodes.add(done);
        }
    }

    private static PendingView readViewHeader(Wire in) throws IOException {
        PendingView v = new PendingView();
        v.flags = readFlags(in, 3);
        v.key = in.readString();
        v.value = in.readString();
        v.created = in.readVarLong();
        v.modified = in.readVarLong();
        v.expiration = bit(v.flags, 2) ? in.readVarLong() : null;
        if (bit(v.flags, 1)) {
            v.left = in.readCount();
            v.nodes = new ArrayList<>(Math.min(v.left, 64)); // the count may be unchecked (snapshot stream)
        }
        return v;
    }

    // ---- helpers

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: writing to memory", e);
        }
        return bytes.toByteArray();
    }

    private static Wire open(byte[] buf, int off, int len) {
        Objects.requireNonNull(buf, "buf");
        Objects.checkFromIndexSize(off, len, buf.length);
        Wire in = Wire.over(buf, off, len);
        try {
            int version = in.in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unsupported store codec version " + version);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("empty input", e);
        }
        return in;
    }

    private static void requireEnd(Wire in) throws IOException {
        if (in.remaining() != 0) {
            throw new IOException(in.remaining() + " trailing bytes");
        }
    }

    private static int flags(boolean... bits) {
        int f = 0;
        for (int i = 0; i < bits.length; i++) {
            if (bits[i]) {
                f |= 1 << i;
            }
        }
        return f;
    }

    private static int readFlags(Wire in, int used) throws IOException {
        int f = in.in.readUnsignedByte();
        if ((f >>> used) != 0) {
            throw new IOException("unknown flag bits 0x" + Integer.toHexString(f));
        }
        return f;
    }

    private static boolean bit(int flags, int i) {
        return (flags & (1 << i)) != 0;
    }
}
