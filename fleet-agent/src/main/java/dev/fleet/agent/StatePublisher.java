package dev.fleet.agent;

import dev.fleet.agent.systemd.SystemdPort.UnitState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Publishes the states of this machine's fleet units without polling systemd: states come
 * from systemd's signals ({@link #onSystemd}), changes are sent at once (coalesced: the changes that
 * arrive while one report is in flight go in the next), and everything is re-sent every
 * {@code republish} so that the states outlive no TTL. Only units the agent tracks (those in its units
 * directory) are reported; an untracked unit is sent once in {@code removed}.
 */
public final class StatePublisher implements AutoCloseable {

    /** Sends one report; returns false if the control plane refused the session (409: register again). */
    @FunctionalInterface
    public interface Sink {
        boolean send(List<dev.fleet.schema.UnitState> states, List<String> removed) throws Exception;
    }

    /** {@code failure}: why the agent set the unit aside (a word for the report's result), or null: systemd's state is reported. */
    private record Tracked(String hash, boolean launched, long launch, UnitState systemd, String failure) {
        Tracked(String hash, boolean launched, long launch, UnitState systemd) {
            this(hash, launched, launch, systemd, null);
        }
    }

    /**
     * The LoadState a unit the agent set aside reports when systemd has no verdict of its own on it (systemd's own word
     * for a unit it could not load); a verdict systemd has (masked, bad-setting, error) is reported as it is.
     */
    static final String FAILED_LOAD_STATE = "error";

    private static String failedLoadState(UnitState systemd) {
        String l = systemd == null ? "" : systemd.loadState();
        return l.isEmpty() || l.equals("loaded") || l.equals("not-found") || l.equals("stub") ? FAILED_LOAD_STATE : l;
    }

    private final Sink sink;
    private final Duration republish;
    private final Runnable sessionLost;
    private final Log log;
    private final Map<String, Tracked> tracked = new TreeMap<>();
    private final Set<String> dirty = new LinkedHashSet<>();
    private final Set<String> removed = new TreeSet<>();
    private final Thread sender;
    private long nextFullAt;
    private boolean closed;
    private long reportsSent;

    public StatePublisher(Sink sink, Duration republish, Runnable sessionLost, Log log) {
        this.sink = sink;
        this.republish = republish;
        this.sessionLost = sessionLost;
        this.log = log;
        this.nextFullAt = System.nanoTime() + republish.toNanos();
        this.sender = new Thread(this::run, "fleet-agent-states");
        this.sender.setDaemon(true);
    }

    public void start() {
        sender.start();
    }

    /** A unit file is now in the units directory (loaded, or found there at start-up). */
    public synchronized void track(String name, String hash) {
        Tracked t = tracked.get(name);
        boolean same = t != null && t.hash.equals(hash);
        tracked.put(name, new Tracked(hash, same && t.launched, same ? t.launch : 0, t == null ? null : t.systemd,
                same ? t.failure : null));
        removed.remove(name);
        markDirty(name);
    }

    /** The unit is gone from the units directory: its state is withdrawn. */
    public synchronized void untrack(String name) {
        if (tracked.remove(name) != null) {
            dirty.remove(name);
            removed.add(name);
            notifyAll();
        }
    }

    /** fleet's "launched heartbeat": the agent stopped the unit (false). */
    public synchronized void setLaunched(String name, boolean launched) {
        Tracked t = tracked.get(name);
        setLaunched(name, launched, t == null ? 0 : t.launch);
    }

    /** fleet's "launched heartbeat", with the unit's launch number the agent started it under (0 = none given). */
    public synchronized void setLaunched(String name, boolean launched, long launch) {
        Tracked t = tracked.get(name);
        if (t != null && (t.launched != launched || t.launch != launch)) {
            tracked.put(name, new Tracked(t.hash, launched, launch, t.systemd, t.failure));
            markDirty(name);
        }
    }

    /**
     * The agent set the unit aside ({@code result}: a word such as {@code fleet-link-failed}): it is reported with
     * ActiveState/SubState "failed" and that result until {@link #clearFailure}, whatever systemd says meanwhile, and
     * systemd's LoadState if it is a verdict (masked, bad-setting), else "error".
     * Tracks the unit if it is not tracked yet (its file may not be there).
     */
    public synchronized void setFailure(String name, String hash, String result) {
        Tracked t = tracked.get(name);
        if (t == null) {
            t = new Tracked(hash, false, 0, null);
            removed.remove(name);
        }
        if (!result.equals(t.failure)) {
            tracked.put(name, new Tracked(t.hash, t.launched, t.launch, t.systemd, result));
            markDirty(name);
        }
    }

    /** The unit recovered (or was dropped): systemd's state is reported again. */
    public synchronized void clearFailure(String name) {
        Tracked t = tracked.get(name);
        if (t != null && t.failure != null) {
            tracked.put(name, new Tracked(t.hash, t.launched, t.launch, t.systemd, null));
            markDirty(name);
        }
    }

    /** The result word the unit is reported failed with, or null. */
    public synchronized String failure(String name) {
        Tracked t = tracked.get(name);
        return t == null ? null : t.failure;
    }

    /** A state from systemd (any unit; only tracked ones matter). Unchanged states are not re-sent. */
    public synchronized void onSystemd(UnitState s) {
        Tracked t = tracked.get(s.name());
        if (t == null || s.equals(t.systemd)) {
            return;
        }
        tracked.put(s.name(), new Tracked(t.hash, t.launched, t.launch, s, t.failure));
        markDirty(s.name());
    }

    /**
     * A state read from systemd (not a signal): taken only for a unit with no state yet. A read snapshot may be older
     * than a signal that arrived while it was on its way (a unit started by the previous pass going active), and no
     * later signal would correct it.
     */
    public synchronized void onSystemdRead(UnitState s) {
        Tracked t = tracked.get(s.name());
        if (t != null && t.systemd == null) {
            onSystemd(s);
        }
    }

    /** Sends every state at the next opportunity (after a new registration the registry has none). */
    public synchronized void republishAll() {
        dirty.addAll(tracked.keySet());
        notifyAll();
    }

    /** The last systemd state known for a tracked unit, or null. */
    public synchronized UnitState systemdState(String name) {
        Tracked t = tracked.get(name);
        return t == null ? null : t.systemd;
    }

    public synchronized Set<String> trackedNames() {
        return new TreeSet<>(tracked.keySet());
    }

    public synchronized long reportsSent() {
        return reportsSent;
    }

    private void markDirty(String name) {
        dirty.add(name);
        notifyAll();
    }

    private void run() {
        while (true) {
            List<dev.fleet.schema.UnitState> states = new ArrayList<>();
            List<String> gone;
            synchronized (this) {
                try {
                    while (!closed && dirty.isEmpty() && removed.isEmpty() && System.nanoTime() < nextFullAt) {
                        long waitMs = Math.max(1, (nextFullAt - System.nanoTime()) / 1_000_000);
                        wait(waitMs);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (closed) {
                    return;
                }
                if (System.nanoTime() >= nextFullAt) {
                    dirty.addAll(tracked.keySet());
                    nextFullAt = System.nanoTime() + republish.toNanos();
                }
                for (String name : dirty) {
                    Tracked t = tracked.get(name);
                    if (t != null && t.failure != null) {
                        states.add(new dev.fleet.schema.UnitState(name, null, t.hash, failedLoadState(t.systemd), "failed", "failed", t.launched,
                                t.failure, "", t.launch));
                    } else if (t != null && t.systemd != null) {
                        UnitState s = t.systemd;
                        states.add(new dev.fleet.schema.UnitState(name, null, t.hash, s.loadState(), s.activeState(), s.subState(), t.launched,
                                nz(s.result()), nz(s.invocationId()), t.launch));
                    }
                }
                dirty.clear();
                gone = new ArrayList<>(removed);
                removed.clear();
            }
            if (states.isEmpty() && gone.isEmpty()) {
                continue;
            }
            try {
                boolean accepted = sink.send(states, gone);
                synchronized (this) {
                    reportsSent++;
                }
                if (!accepted) {
                    sessionLost.run();
                }
            } catch (Exception e) {
                log.info("state report failed (will retry): " + e.getMessage());
                synchronized (this) {
                    // put back what was not sent, unless superseded meanwhile
                    for (dev.fleet.schema.UnitState r : states) {
                        if (tracked.containsKey(r.name())) {
                            dirty.add(r.name());
                        }
                    }
                    for (String g : gone) {
                        if (!tracked.containsKey(g)) {
                            removed.add(g);
                        }
                    }
                    try {
                        wait(1_000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            sender.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends what is pending now, on the caller's thread (used at shutdown after the purge). */
    public void flush() throws Exception {
        List<String> gone;
        synchronized (this) {
            gone = new ArrayList<>(removed);
            removed.clear();
            dirty.clear();
        }
        if (!gone.isEmpty()) {
            sink.send(List.of(), gone);
        }
    }
}
