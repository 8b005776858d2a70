package dev.fleet.agent.config;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * fleet's public IP when none is configured: the first global-unicast IPv4 address of the interface that carries the
 * default route (the lowest-metric {@code 0.0.0.0/0} route that is up, read from {@code /proc/net/route}). The parsing
 * and the choice are pure; {@link #detect()} reads this host.
 */
public final class PublicAddress {
    private static final int RTF_UP = 0x1;

    private PublicAddress() {
    }

    /** The interface of the default route in the text of {@code /proc/net/route}, if there is one. */
    public static Optional<String> defaultRouteInterface(String procNetRoute) {
        String best = null;
        long bestMetric = Long.MAX_VALUE;
        for (String line : procNetRoute.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
            if (f.length < 8 || f[0].equals("Iface")) {
                continue;
            }
            try {
                long dest = Long.parseLong(f[1], 16);
                int flags = Integer.parseInt(f[3], 16);
                long metric = Long.parseLong(f[6]);
                long mask = Long.parseLong(f[7], 16);
                if (dest == 0 && mask == 0 && (flags & RTF_UP) != 0 && metric < bestMetric) {
                    best = f[0];
                    bestMetric = metric;
                }
            } catch (NumberFormatException e) {
                // not a route line
            }
        }
        return Optional.ofNullable(best);
    }

    /** The first global-unicast IPv4 address (Go's IsGlobalUnicast: private ranges count, link-local does not). */
    public static Optional<String> firstGlobalUnicastIPv4(List<InetAddress> addresses) {
        for (InetAddress a : addresses) {
            if (a instanceof Inet4Address v4 && !v4.isLoopbackAddress() && !v4.isLinkLocalAddress()
                    && !v4.isMulticastAddress() && !v4.isAnyLocalAddress() && !isBroadcast(v4)) {
                return Optional.of(v4.getHostAddress());
            }
        }
        return Optional.empty();
    }

    private static boolean isBroadcast(Inet4Address a) {
        byte[] b = a.getAddress();
        return (b[0] & b[1] & b[2] & b[3]) == (byte) 0xff;
    }

    /** This host's address by fleet's rule, or empty (no default route, or no IPv4 address on its interface). */
    public static Optional<String> detect() {
        try {
            Optional<String> iface = defaultRouteInterface(Files.readString(Path.of("/proc/net/route")));
            if (iface.isEmpty()) {
                return Optional.empty();
            }
            NetworkInterface ni = NetworkInterface.getByName(iface.get());
            return ni == null ? Optional.empty() : firstGlobalUnicastIPv4(Collections.list(ni.getInetAddresses()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
