package dev.fleet.cli;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link StartupRulesTest} reads from a compiled class: its constant pool (the classes, methods and
 * invokedynamic sites it links), its bootstrap methods, and each method's bytecode. Only as much of the class-file
 * format (JVMS §4) as that needs.
 */
final class ClassFile {
    /** An invokedynamic site: its bootstrap method ({@code owner.name}), the method it makes, and for a lambda the implementation. */
    record Indy(String bootstrap, String name, String descriptor, int implKind, String impl) {
        /** What the call site returns: for a lambda, the functional interface (internal name). */
        String produces() {
            String r = descriptor.substring(descriptor.indexOf(')') + 1);
            return r.startsWith("L") ? r.substring(1, r.length() - 1) : r;
        }
    }

    /** A method or field reference: owner (internal name), name, descriptor. */
    record Ref(String owner, String name, String descriptor) {
    }

    final String name;
    final List<String> utf8 = new ArrayList<>();
    final List<Ref> refs = new ArrayList<>();
    final List<Indy> indys = new ArrayList<>();
    /** Each method's bytecode, by name + descriptor. */
    final Map<String, byte[]> code = new HashMap<>();
    /** The constant-pool indices of the invokedynamic entries. */
    private final Map<Integer, Indy> indyAt = new HashMap<>();

    private final Object[] pool;
    private final int[] tags;

    static ClassFile read(Path p) throws IOException {
        return new ClassFile(new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(p))));
    }

    private ClassFile(DataInputStream in) throws IOException {
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int n = in.readUnsignedShort();
        pool = new Object[n];
        tags = new int[n];
        for (int i = 1; i < n; i++) {
            int tag = in.readUnsignedByte();
            tags[i] = tag;
            switch (tag) {
                case 1 -> pool[i] = in.readUTF();
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++;
                }
                case 7, 8, 16, 19, 20 -> pool[i] = new int[] {in.readUnsignedShort()};
                case 9, 10, 11, 12, 17, 18 -> pool[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                case 15 -> pool[i] = new int[] {in.readUnsignedByte(), in.readUnsignedShort()};
                default -> throw new IOException("constant pool tag " + tag);
            }
        }
        in.readUnsignedShort(); // access
        name = className(in.readUnsignedShort());
        in.readUnsignedShort(); // super
        in.skipBytes(2 * in.readUnsignedShort()); // interfaces
        for (int f = in.readUnsignedShort(); f > 0; f--) {
            in.skipBytes(6);
            skipAttributes(in);
        }
        for (int m = in.readUnsignedShort(); m > 0; m--) {
            in.readUnsignedShort();
            String key = (String) pool[in.readUnsignedShort()] + pool[in.readUnsignedShort()];
            for (int a = in.readUnsignedShort(); a > 0; a--) {
                String attr = (String) pool[in.readUnsignedShort()];
                byte[] body = new byte[in.readInt()];
                in.readFully(body);
                if (attr.equals("Code")) {
                    DataInputStream c = new DataInputStream(new ByteArrayInputStream(body));
                    c.skipBytes(4); // max_stack, max_locals
                    byte[] bytecode = new byte[c.readInt()];
                    c.readFully(bytecode);
                    code.put(key, bytecode);
                }
            }
        }
        List<int[]> bootstraps = new ArrayList<>();
        for (int a = in.readUnsignedShort(); a > 0; a--) {
            String attr = (String) pool[in.readUnsignedShort()];
            int length = in.readInt();
            if (!attr.equals("BootstrapMethods")) {
                in.skipBytes(length);
                continue;
            }
            for (int b = in.readUnsignedShort(); b > 0; b--) {
                int method = in.readUnsignedShort();
                int[] args = new int[in.readUnsignedShort() + 1];
                args[0] = method;
                for (int k = 1; k < args.length; k++) {
                    args[k] = in.readUnsignedShort();
                }
                bootstraps.add(args);
            }
        }
        for (int i = 1; i < n; i++) {
            switch (tags[i]) {
                case 1 -> utf8.add((String) pool[i]);
                case 9, 10, 11 -> refs.add(ref(i));
                case 18 -> {
                    int[] e = (int[]) pool[i];
                    int[] bsm = bootstraps.get(e[0]);
                    int[] nt = (int[]) pool[e[1]];
                    Ref bootstrap = ref(((int[]) pool[bsm[0]])[1]);
                    int implKind = 0;
                    String impl = "";
                    // LambdaMetafactory's arguments: erased type, implementation handle, instantiated type
                    if (bsm.length > 2 && tags[bsm[2]] == 15) {
                        int[] handle = (int[]) pool[bsm[2]];
                        implKind = handle[0];
                        Ref r = ref(handle[1]);
                        impl = r.owner() + "." + r.name() + r.descriptor();
                    }
                    Indy indy = new Indy(bootstrap.owner() + "." + bootstrap.name(), (String) pool[nt[0]], (String) pool[nt[1]],
                            implKind, impl);
                    indys.add(indy);
                    indyAt.put(i, indy);
                }
                default -> {
                }
            }
        }
    }

    private static void skipAttributes(DataInputStream in) throws IOException {
        for (int a = in.readUnsignedShort(); a > 0; a--) {
            in.readUnsignedShort();
            in.skipBytes(in.readInt());
        }
    }

    private String className(int index) {
        return (String) pool[((int[]) pool[index])[0]];
    }

    private Ref ref(int index) {
        int[] e = (int[]) pool[index];
        int[] nt = (int[]) pool[e[1]];
        return new Ref(className(e[0]), (String) pool[nt[0]], (String) pool[nt[1]]);
    }

    /** The invokedynamic instructions in a method's bytecode (an instruction walk, JVMS §6.5), or null without that method. */
    List<Indy> indysIn(String nameAndDescriptor) {
        byte[] b = code.get(nameAndDescriptor);
        if (b == null) {
            return null;
        }
        List<Indy> found = new ArrayList<>();
        int pc = 0;
        while (pc < b.length) {
            int op = b[pc] & 0xff;
            if (op == 0xba) {
                found.add(indyAt.get(((b[pc + 1] & 0xff) << 8) | (b[pc + 2] & 0xff)));
            }
            pc += length(b, pc, op);
        }
        return found;
    }

    private static int length(byte[] b, int pc, int op) {
        if (op == 0xaa || op == 0xab) { // tableswitch, lookupswitch: padded to 4, then default and the table
            int p = (pc + 4) & ~3;
            if (op == 0xaa) {
                int low = readInt(b, p + 4);
                int high = readInt(b, p + 8);
                return p + 12 + 4 * (high - low + 1) - pc;
            }
            return p + 8 + 8 * readInt(b, p + 4) - pc;
        }
        if (op == 0xc4) { // wide
            return (b[pc + 1] & 0xff) == 0x84 ? 6 : 4;
        }
        if (op == 0x10 || op == 0x12 || (op >= 0x15 && op <= 0x19) || (op >= 0x36 && op <= 0x3a) || op == 0xa9 || op == 0xbc) {
            return 2;
        }
        if (op == 0x11 || op == 0x13 || op == 0x14 || op == 0x84 || (op >= 0x99 && op <= 0xa8) || (op >= 0xb2 && op <= 0xb8)
                || op == 0xbb || op == 0xbd || op == 0xc0 || op == 0xc1 || op == 0xc6 || op == 0xc7) {
            return 3;
        }
        if (op == 0xc5) {
            return 4;
        }
        if (op == 0xb9 || op == 0xba || op == 0xc8 || op == 0xc9) {
            return 5;
        }
        return 1;
    }

    private static int readInt(byte[] b, int p) {
        return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }
}
