package dev.fleet.bench;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.SystemdMachine;
import dev.fleet.unit.UnitOption;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code fleet-bench agent [--machines=3] [--starts=100] [--units=300] [--idle-seconds=30] [--security=off|on|both]}:
 * (both: a plain cluster, then a secured one, in the same run) on a dev cluster of
 * real systemd machines (1 node),
 * <ol>
 *   <li>start latency: from the API call that sets {@code launched} on a loaded unit to {@code ActiveState=active}
 *       reported back through {@code GET /fleet/v1/state}, over {@code --starts} units one after another; the anchor,
 *       in the same run, is {@code systemctl start} of a unit inside a machine (no fleet: nsenter + systemctl);</li>
 *   <li>the time to start {@code --units} units spread over the machines (PUT launched with 16 clients → all active);</li>
 *   <li>each agent's RSS and CPU while idle with its units loaded, over {@code --idle-seconds}.</li>
 * </ol>
 */
public final class AgentBench {

    private AgentBench() {
    }

    public static void main(String[] args) throws Exception {
        int machines = 3;
        int starts = 100;
        int units = 300;
        int idleSeconds = 30;
        String security = "off";
        for (String a : args) {
            String v = a.substring(a.indexOf('=') + 1);
            if (a.startsWith("--machines=")) {
                machines = Integer.parseInt(v);
            } else if (a.startsWith("--starts=")) {
                starts = Integer.parseInt(v);
            } else if (a.startsWith("--units=")) {
                units = Integer.parseInt(v);
            } else if (a.startsWith("--idle-seconds=")) {
                idleSeconds = Integer.parseInt(v);
            } else if (a.startsWith("--security=") && List.of("off", "on", "both").contains(v)) {
                security = v;
            } else {
                throw new IllegalArgumentException("unknown option " + a);
            }
        }
        List<String> summary = new ArrayList<>();
        for (boolean secured : security.equals("both") ? List.of(false, true) : List.of(security.equals("on"))) {
            String variant = secured ? "security on (HTTPS, client certificate, agents on mutual TLS)" : "security off (plain HTTP)";
            System.out.println("[bench] ---- " + variant);
            try (DevCluster c = DevCluster.builder().nodes(1).machines(machines).ttl("10s").secured(secured)
                    .progress(s -> System.out.println("[bench] " + s)).start()) {
                c.awaitRegistered(java.time.Duration.ofMinutes(3));
                // an operator's certificate on a secured cluster, as a user's fleetctl would present it
                FleetClient api = c.client();
                if (secured) {
                    api.useTls(c.credentials("operate").sslContext());
                }
                List<Double> anchor = anchor(c.machines().get(0), starts);
                List<Double> start = startLatency(api, starts);
                double all = manyUnits(api, units);
                idle(c, idleSeconds);
                summary.add(String.format("%-62s start->active p50 %6.1f ms (systemctl %5.1f ms), p99 %6.1f ms; %d units all active %5.2f s",
                        variant, p50(start), p50(anchor), pct(sorted(start), 99), units, all));
            }
        }
        System.out.println("[bench] ---- summary");
        summary.forEach(l -> System.out.println("[bench] " + l));
    }

    private static List<Double> sorted(List<Double> ms) {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        return s;
    }

    private static double p50(List<Double> ms) {
        return pct(sorted(ms), 50);
    }

    private static List<UnitOption> sleeper(int i) {
        return List.of(UnitOptions.service("ExecStart", "/bin/sleep " + (100_000 + i)));
    }

    /** The floor: systemctl start inside the machine (its own process start and nsenter included). */
    private static List<Double> anchor(SystemdMachine m, int n) throws Exception {
        java.nio.file.Path dir = m.rootPath().resolve("run/systemd/system");
        java.nio.file.Files.createDirectories(dir);
        for (int i = 0; i < n; i++) {
            java.nio.file.Files.writeString(dir.resolve("anchor-" + i + ".service"), "[Service]\nExecStart=/bin/sleep 100000\n");
        }
        m.exec("systemctl", "daemon-reload");
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            m.exec("systemctl", "start", "anchor-" + i + ".service");
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        for (int i = 0; i < n; i++) {
            m.exec("systemctl", "stop", "anchor-" + i + ".service");
        }
        print("anchor: systemctl start in the machine (nsenter, no fleet)", ms);
        return ms;
    }

    private static List<Double> startLatency(FleetClient api, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            api.putUnit(Unit.put("lat-" + i + ".service", sleeper(i), "loaded"));
        }
        // wait until every one is loaded on its machine (a state reported)
        waitStates(api, "lat-", n, "loaded", null, 180);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String u = "lat-" + i + ".service";
            long t0 = System.nanoTime();
            if (api.putUnit(Unit.put(u, List.of(), "launched")) != 204) {
                throw new IllegalStateException("setDesiredState " + u);
            }
            while (true) {
                UnitState s = state(api, u);
                if (s != null && "active".equals(s.activeState())) {
                    break;
                }
                if (System.nanoTime() - t0 > 30_000_000_000L) {
                    throw new IllegalStateException(u + " not active after 30 s: " + s);
                }
                Thread.sleep(2);
            }
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        print("fleet: PUT desiredState=launched -> systemdActiveState=active in /fleet/v1/state", ms);
        return ms;
    }

    private static double manyUnits(FleetClient api, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        long t0 = System.nanoTime();
        try {
            List<Future<Integer>> f = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                f.add(pool.submit(() -> api.putUnit(Unit.put("many-" + k + ".service", sleeper(10_000 + k), "launched"))));
            }
            for (Future<Integer> x : f) {
                if (x.get() != 201) {
                    throw new IllegalStateException("PUT answered " + x.get());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double submitted = (System.nanoTime() - t0) / 1e9;
        waitStates(api, "many-", n, null, "active", 600);
        double all = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[bench] %d units: submitted in %.2f s, all active (reported) %.2f s after the first PUT (%.0f units/s)%n",
                n, submitted, all, n / all);
        return all;
    }

    private static void idle(DevCluster c, int seconds) throws Exception {
        Thread.sleep(5_000); // let the last reports settle before measuring idleness
        List<long[]> before = new ArrayList<>();
        for (SystemdMachine m : c.machines()) {
            before.add(agentCpu(m));
        }
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double wall = (System.nanoTime() - t0) / 1e9;
        long hz = 100;
        for (int i = 0; i < c.machines().size(); i++) {
            SystemdMachine m = c.machines().get(i);
            long[] after = agentCpu(m);
            double cpuSeconds = (after[1] - before.get(i)[1]) / (double) hz;
            int units = (int) java.nio.file.Files.list(m.rootPath().resolve("run/fleet/units")).filter(p -> !p.getFileName().toString().startsWith(".")).count();
            System.out.printf("[bench] agent on %s: %d units, RSS %.1f MiB, CPU %.2f%% while idle (%.2f s CPU in %.0f s)%n",
                    m.name(), units, after[2] / 1024.0, 100 * cpuSeconds / wall, cpuSeconds, wall);
        }
    }

    /** {pid, utime+stime ticks, VmRSS kB} of the agent, read inside the machine. */
    private static long[] agentCpu(SystemdMachine m) {
        String pid = m.exec("systemctl", "show", "-p", "MainPID", "--value", DevCluster.AGENT_UNIT).output().strip();
        String stat = m.exec("cat", "/proc/" + pid + "/stat").output();
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        long rss = 0;
        for (String line : m.exec("cat", "/proc/" + pid + "/status").output().split("\n")) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return new long[] {Long.parseLong(pid), ticks, rss};
    }

    private static UnitState state(FleetClient api, String unit) {
        List<UnitState> states = api.states(null, unit);
        return states.isEmpty() ? null : states.get(0);
    }

    private static void waitStates(FleetClient api, String prefix, int n, String load, String active, int timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (true) {
            int ok = 0;
            for (UnitState s : api.states()) {
                if (s.name().startsWith(prefix) && (load == null || load.equals(s.loadState()))
                        && (active == null || active.equals(s.activeState()))) {
                    ok++;
                }
            }
            if (ok >= n) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + ok + " of " + n + " " + prefix + "* units reached the state");
            }
            Thread.sleep(100);
        }
    }

    private static void print(String what, List<Double> ms) {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        System.out.printf("[bench] %s: n=%d p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", what, s.size(),
                pct(s, 50), pct(s, 90), pct(s, 99), s.get(s.size() - 1));
    }

    private static double pct(List<Double> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
