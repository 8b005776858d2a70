package dev.fleet.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for test servers. Remembers what it handed out, since a harness often asks for many
 * ports (a Payara domain about ten) before anything binds them.
 */
public final class Ports {
    private static final int LOW = 20_000;
    private static final int HIGH = 32_000;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private Ports() { }

    /** A free port P such that P + {@code alsoFreeOffset} is free too (RAFT uses its port + 100). */
    public static synchronized int free(int alsoFreeOffset) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(LOW, HIGH - alsoFreeOffset);
            int q = p + alsoFreeOffset;
            if (!HANDED_OUT.contains(p) && !HANDED_OUT.contains(q) && isFree(p) && isFree(q)) {
                HANDED_OUT.add(p);
                HANDED_OUT.add(q);
                return p;
            }
        }
        throw new IllegalStateException("no free port pair found in " + LOW + "-" + HIGH);
    }

    /** A free port. */
    public static int free() {
        return free(0);
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
