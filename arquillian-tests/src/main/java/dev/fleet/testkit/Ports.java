package dev.fleet.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for test servers. */
public final class Ports {
    private Ports() { }

    /** A free port P such that P + {@code alsoFreeOffset} is free too (RAFT uses its port + 100). */
    public static synchronized int free(int alsoFreeOffset) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int p = anyFree();
            if (p + alsoFreeOffset <= 65535 && (alsoFreeOffset == 0 || isFree(p + alsoFreeOffset))) {
                return p;
            }
        }
        throw new IllegalStateException("no free port pair found");
    }

    private static int anyFree() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
