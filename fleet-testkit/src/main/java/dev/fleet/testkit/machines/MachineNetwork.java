package dev.fleet.testkit.machines;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One bridge {@code fl<name>} with the host address {@code 10.77.<net>.254/24}, plus a blackhole route for
 * {@code 10.77.<net>.0/24} (a higher metric than the bridge's own route), so that if the bridge disappears
 * nothing meant for the machines ever leaves the box. Machines get {@code 10.77.<net>.<k>}, k in 1..250.
 */
public final class MachineNetwork implements AutoCloseable {
    /** Metric of the safety route: above the bridge's connected route (metric 0), so it only ever catches strays. */
    static final int BLACKHOLE_METRIC = 4242;

    private final String bridge;
    private final int net;
    private final Ledger ledger;
    private boolean closed;

    private MachineNetwork(String bridge, int net, Ledger ledger) {
        this.bridge = bridge;
        this.net = net;
        this.ledger = ledger;
    }

    /** Creates the bridge {@code "fl" + name} on net {@code net} (0..250), recording it in {@code ledger} first. */
    public static MachineNetwork create(Ledger ledger, String name, int net) {
        String bridge = bridgeName(name);
        if (net < 0 || net > 250) {
            throw new IllegalArgumentException("net " + net + " is not in 0..250");
        }
        if (Files.exists(Path.of("/sys/class/net", bridge))) {
            throw new IllegalStateException("bridge " + bridge + " exists already: another instance holds it (bin/fleet-dev cleanup)");
        }
        String taken = Sh.run("ip", "-4", "-o", "addr", "show", "to", "10.77." + net + ".0/24").output().strip();
        if (!taken.isEmpty()) {
            throw new IllegalStateException("10.77." + net + ".0/24 is in use already: " + taken);
        }
        MachineNetwork n = new MachineNetwork(bridge, net, ledger);
        try {
            ledger.recordBlackhole(n.prefix(), BLACKHOLE_METRIC);
            Sh.check("ip", "route", "add", "blackhole", n.prefix(), "metric", Integer.toString(BLACKHOLE_METRIC));
            ledger.recordBridge(bridge);
            Sh.check("ip", "link", "add", bridge, "type", "bridge");
            Sh.check("ip", "addr", "add", n.hostAddress() + "/24", "dev", bridge);
            Sh.check("ip", "link", "set", bridge, "up");
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    /** {@code "fl" + name}, checked against the kernel's 15-character limit. */
    public static String bridgeName(String name) {
        String b = "fl" + name;
        if (!b.matches("fl[a-z0-9][a-z0-9-]{0,12}")) {
            throw new IllegalArgumentException("network name '" + name + "': 1-13 of [a-z0-9-], starting with a letter or digit");
        }
        return b;
    }

    public String bridge() {
        return bridge;
    }

    public int net() {
        return net;
    }

    /** The host's address on the bridge: where nodes bind their HTTP API so machines can reach them. */
    public String hostAddress() {
        return "10.77." + net + ".254";
    }

    /** The address of the k-th machine (1..250). */
    public String machineAddress(int k) {
        if (k < 1 || k > 250) {
            throw new IllegalArgumentException("machine index " + k + " is not in 1..250");
        }
        return "10.77." + net + "." + k;
    }

    public String prefix() {
        return "10.77." + net + ".0/24";
    }

    /** Removes the bridge and the route (idempotent). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Sh.run("ip", "link", "del", bridge);
        Sh.run("ip", "route", "del", "blackhole", prefix(), "metric", Integer.toString(BLACKHOLE_METRIC));
    }
}
