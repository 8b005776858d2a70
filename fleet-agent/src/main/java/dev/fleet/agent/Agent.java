package dev.fleet.agent;

import dev.fleet.agent.config.AgentConfig;
import dev.fleet.agent.control.ControlPlane;
import dev.fleet.agent.control.ControlPlane.Schedule;
import dev.fleet.agent.plan.CurrentUnit;
import dev.fleet.agent.plan.DesiredSet;
import dev.fleet.agent.systemd.SystemdPort;
import dev.fleet.model.FleetVersion;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One machine's agent: presence (register, heartbeat every TTL/3, re-register with back-off), a
 * watch of this machine's own schedule (long poll) that drives {@link Reconciler} passes, a periodic
 * pass every {@link #PERIODIC_PASS} that retries what failed, and the state publisher fed by systemd's
 * signals. While the control plane cannot be reached, units keep running as they are (fleet's
 * semantics) and the agent reconciles once it answers again.
 */
public final class Agent implements AutoCloseable {

    static final Duration PERIODIC_PASS = Duration.ofSeconds(5);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    /** How long a schedule that takes units away waits before it is read again to confirm it. */
    static final Duration CONFIRM_DELAY = Duration.ofMillis(200);
    /** The exit status of an agent whose schedule loop died or got stuck (EX_SOFTWARE): systemd's Restart=on-failure restarts it. */
    static final int EXIT_LOOP_DEAD = 70;

    /**
     * The back-off cap: TTL/3 within 1..60 s (fleet capped at 60 s). The store's TTLs run on replicated time, which
     * stands still while the control plane is down, so after an outage a machine has (the rest of) one TTL to come
     * back before its units are moved: at most TTL/3 between tries gives it three.
     */
    private Duration backoffCap() {
        long third = config.ttl().toMillis() / 3;
        return Duration.ofMillis(Math.max(1_000, Math.min(MAX_BACKOFF.toMillis(), third)));
    }

    private final String machineId;
    private final SystemdPort systemd;
    private final ControlPlane controlPlane;
    private final UnitsDirectory dir;
    private final Log log;
    private final String session;
    private final StatePublisher publisher;
    private final Reconciler reconciler;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "fleet-agent-timer"));
    private volatile AgentConfig config;
    private volatile DesiredSet lastDesired;
    private volatile java.util.List<String> lastFailures = java.util.List.of();
    private volatile boolean running = true;
    private volatile boolean registered;
    private final Object presenceWake = new Object();
    private Thread presenceThread;
    private Thread watchThread;
    private volatile LoopHealth health = new LoopHealth(LoopHealth.configuredBound(), System::nanoTime);
    /** What a dead or stuck loop ends in, after the heartbeats stopped: the process exits (tests observe it instead). */
    private volatile java.util.function.Consumer<String> onFatal = why -> Runtime.getRuntime().halt(EXIT_LOOP_DEAD);
    private volatile String lastTooLarge;

    public Agent(String machineId, AgentConfig config, SystemdPort systemd, ControlPlane controlPlane, Log log) {
        this.machineId = machineId;
        this.config = config;
        this.systemd = systemd;
        this.controlPlane = controlPlane;
        this.log = log;
        this.dir = new UnitsDirectory(config.unitsDirectory());
        dir.create();
        // A session left by a crashed agent is taken over: the control plane still knows this machine by it,
        // so a restart neither waits out the TTL nor lets the engine move the units away.
        this.session = dir.readSession().orElseGet(Agent::newSession);
        dir.writeSession(session);
        this.publisher = new StatePublisher(
                (states, removed) -> {
                    int status = controlPlane.reportStates(machineId, session, states, removed);
                    log.debug("reported " + states.size() + " state(s), " + removed.size() + " removed: HTTP " + status);
                    if (status == 400) {
                        throw new IllegalStateException("the control plane refused a state report (HTTP 400)");
                    }
                    return status != 409;
                },
                config.republishInterval(), this::sessionLost, log);
        this.reconciler = new Reconciler(systemd, dir, publisher, log);
    }

    public String machineId() {
        return machineId;
    }

    public String session() {
        return session;
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    public StatePublisher publisher() {
        return publisher;
    }

    public UnitsDirectory unitsDirectory() {
        return dir;
    }

    public AgentConfig config() {
        return config;
    }

    public boolean registered() {
        return registered;
    }

    /** For tests, before {@link #start}: how long the loop may show no sign of life, and what happens then instead of exiting. */
    void loopHealth(Duration bound, java.util.function.Consumer<String> fatal) {
        this.health = new LoopHealth(bound, System::nanoTime);
        this.onFatal = fatal;
    }

    /** Subscribes to systemd, adopts the units already on disk, and starts presence, watch and periodic passes. */
    public void start() {
        systemd.subscribe(publisher::onSystemd);
        reconciler.adopt();
        publisher.start();
        presenceThread = daemon(this::presence, "fleet-agent-presence");
        watchThread = daemon(this::watchLoop, "fleet-agent-schedule");
        watchThread.start(); // first: the presence loop heartbeats only while this one is alive
        presenceThread.start();
        long period = PERIODIC_PASS.toMillis();
        timer.scheduleWithFixedDelay(this::periodicPass, period, period, TimeUnit.MILLISECONDS);
        log.info("fleet-agent " + FleetVersion.VERSION + " machine " + machineId + " (ttl " + config.ttl().toSeconds()
                + "s, units in " + dir.dir() + ", control plane " + controlPlane.endpoints() + ")");
    }

    /** SIGHUP: a new configuration (metadata, TTL, address, endpoints, verbosity); units are kept as they are. */
    public void reconfigure(AgentConfig next) {
        if (!next.unitsDirectory().equals(config.unitsDirectory())) {
            log.info("units_directory cannot change while running (kept " + config.unitsDirectory() + ")");
        }
        this.config = next;
        controlPlane.setEndpoints(next.endpoints());
        log.setDebug(next.verbosity() > 0);
        log.info("configuration re-read: metadata " + next.metadata() + ", ttl " + next.ttl().toSeconds() + "s, endpoints " + next.endpoints());
        wakePresence();
    }

    /** The presence loop; if it dies, nothing would keep the registration alive while the units run on: exit too. */
    private void presence() {
        try {
            presenceLoop();
        } catch (Throwable t) {
            if (running) {
                loopDead("the presence loop died: " + t);
            }
        }
    }

    private void presenceLoop() {
        int failures = 0;
        while (running) {
            AgentConfig c = config;
            Duration next = c.heartbeatInterval();
            // no heartbeat for a machine whose schedule nobody acts on
            java.util.Optional<String> dead = health.problem(watchThread.isAlive());
            if (dead.isPresent()) {
                if (running) { // read after the verdict: a shutdown ends the loop only after it cleared running
                    loopDead(dead.get());
                }
                return;
            }
            try {
                int status = controlPlane.register(new dev.fleet.schema.Presence(machineId, c.publicIp(), c.metadata(),
                        FleetVersion.VERSION, session, Math.max(1, c.ttl().toSeconds()), c.agentPort()));
                if (status == 201 || status == 200) {
                    if (status == 201 || !registered) {
                        log.info((status == 201 ? "registered" : "registration refreshed") + " as " + machineId);
                        publisher.republishAll(); // a new registration starts with no states
                    }
                    registered = true;
                    failures = 0;
                } else if (status == 409) {
                    registered = false;
                    failures++;
                    log.info("machine ID " + machineId + " is held by another agent (another session); retrying");
                } else {
                    failures++;
                    log.info("registration refused: HTTP " + status);
                }
            } catch (Exception e) {
                failures++;
                if (failures == 1 || failures % 10 == 0) {
                    log.info("control plane unreachable (" + e.getMessage() + "); units keep running as they are");
                }
            }
            if (failures > 0) {
                // exponential from 1 s, capped at TTL/3 (1..60 s) — but while the registration may still be alive, at TTL/3
                long backoff = Math.min(backoffCap().toMillis(), 1000L << Math.min(16, failures - 1));
                next = Duration.ofMillis(registered ? Math.min(backoff, c.heartbeatInterval().toMillis()) : backoff);
            }
            sleepPresence(next);
        }
    }

    /**
     * The schedule loop died or is stuck: heartbeats stop here, and the process exits non-zero. The registration is
     * left to expire rather than deleted: systemd restarts the agent within seconds, and the new process takes the
     * session over (its units stay where they run); if it does not come back, the TTL moves the units.
     */
    private void loopDead(String why) {
        running = false;
        registered = false;
        log.info("fleet-agent: " + why + ": heartbeats stopped (the registration expires within " + config.ttl().toSeconds()
                + " s); exiting " + EXIT_LOOP_DEAD + " for systemd to restart the agent");
        timer.shutdownNow();
        onFatal.accept(why);
    }

    private void sessionLost() {
        if (registered) {
            log.info("the control plane no longer knows this session: registering again");
        }
        registered = false;
        wakePresence();
    }

    private void wakePresence() {
        synchronized (presenceWake) {
            presenceWake.notifyAll();
        }
    }

    private void sleepPresence(Duration d) {
        synchronized (presenceWake) {
            if (!running) {
                return; // a shutdown's wake-up may have come while this thread was busy
            }
            try {
                presenceWake.wait(Math.max(1, d.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private void watchLoop() {
        try {
            watch();
            if (running) {
                health.died("the schedule loop", null);
            }
        } catch (Throwable t) {
            health.died("the schedule loop", t);
            log.info("the schedule loop died: " + t);
        } finally {
            wakePresence();
        }
    }

    private void watch() {
        long index = -1;
        int failures = 0;
        while (running) {
            health.beat();
            try {
                Schedule s;
                try {
                    s = controlPlane.schedule(machineId, index);
                } catch (OutOfMemoryError e) {
                    // what was read is garbage now: the agent goes on with the units it has
                    throw new ControlPlane.ScheduleTooLarge("the schedule did not fit in the heap (" + e.getMessage() + ")");
                }
                health.beat();
                failures = 0;
                lastTooLarge = null;
                if (!running) {
                    return;
                }
                boolean changed = index < 0 || s.index() != index;
                index = s.index();
                if (changed) {
                    DesiredSet desired = DesiredSet.of(machineId, s.metadata(), s.units());
                    if (takesUnitsAway(desired)) {
                        // Confirm with a fresh read before stopping anything: a node going down may answer a last long
                        // poll from a store that is already half gone. If no node confirms, units stay as they are,
                        // and the next answer counts as a change (index -1) so that it is weighed again.
                        index = -1;
                        Thread.sleep(CONFIRM_DELAY.toMillis());
                        Schedule again = controlPlane.schedule(machineId, -1);
                        index = again.index();
                        desired = DesiredSet.of(machineId, again.metadata(), again.units());
                    }
                    lastDesired = desired;
                    pass(desired, "schedule at index " + index);
                }
            } catch (Exception e) {
                failures++;
                if (e instanceof ControlPlane.ScheduleTooLarge) {
                    if (!e.getMessage().equals(lastTooLarge)) { // one line per new verdict, not one per retry
                        log.info("schedule refused: " + e.getMessage() + "; units keep running as they are, read again later");
                    }
                    lastTooLarge = e.getMessage();
                } else if (failures == 1 || failures % 10 == 0) {
                    log.info("schedule watch failed (" + e.getMessage() + "); units keep running as they are");
                }
                long backoff = Math.min(backoffCap().toMillis(), 500L << Math.min(16, failures - 1));
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** True if {@code desired} would unload or stop a unit this agent has loaded. */
    private boolean takesUnitsAway(DesiredSet desired) {
        for (var c : reconciler.current().values()) {
            var d = desired.byName().get(c.name());
            if (d == null || d.state() == dev.fleet.unit.DesiredState.INACTIVE
                    || (c.state() == dev.fleet.unit.DesiredState.LAUNCHED && d.state() != dev.fleet.unit.DesiredState.LAUNCHED)) {
                return true;
            }
        }
        return false;
    }

    private void periodicPass() {
        try {
            DesiredSet d = lastDesired;
            if (d != null && running) {
                pass(d, "periodic");
            }
        } catch (Throwable t) {
            // a scheduled task that throws is never run again: the loop is dead
            health.died("the periodic pass", t);
            wakePresence();
        }
    }

    private void pass(DesiredSet desired, String why) {
        health.passStarted();
        try {
            Reconciler.Pass p = reconciler.reconcile(desired);
            if (!p.tasks().isEmpty() || !p.succeeded()) {
                String line = "reconcile (" + why + "): " + p.tasks().size() + " task(s) (" + p.timings() + ")"
                        + (p.succeeded() ? "" : ", failed: " + String.join("; ", p.failures()));
                // a failure that repeats every periodic pass (a unit systemd refuses) is logged once until it changes
                if (p.failures().equals(lastFailures) && !p.succeeded()) {
                    log.debug(line);
                } else {
                    log.info(line);
                }
            }
            if (!p.tasks().isEmpty()) {
                lastFailures = p.failures(); // passes with nothing to do (a unit waiting out its back-off) change nothing
            }
            if (!desired.skipped().isEmpty()) {
                log.debug("global units not run here: " + desired.skipped());
            }
        } catch (RuntimeException e) {
            log.info("reconcile (" + why + ") failed: " + e);
        } finally {
            health.passEnded();
        }
    }

    /**
     * SIGTERM/SIGINT: stop and remove every unit, withdraw their states, deregister, so the
     * engine moves the units at once instead of waiting for the TTL.
     */
    public void shutdownAndPurge() {
        running = false;
        timer.shutdownNow();
        if (watchThread != null) {
            watchThread.interrupt();
        }
        wakePresence();
        log.info("shutting down: unloading every unit");
        boolean clean = reconciler.purge(5);
        // A heartbeat already sent must be answered before the deregistration: one that the control plane took
        // after it would register the machine again, and its units would wait out the TTL there.
        if (presenceThread != null) {
            try {
                presenceThread.join(config.ttl().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            publisher.flush();
        } catch (Exception e) {
            log.info("could not withdraw the states: " + e.getMessage());
        }
        publisher.close();
        try {
            boolean gone = controlPlane.deregister(machineId, session);
            log.info(gone ? "deregistered" : "was not registered");
        } catch (Exception e) {
            log.info("could not deregister (the TTL will expire): " + e.getMessage());
        }
        if (clean) {
            dir.deleteSession();
        }
    }

    /** A JSON-ish dump of the agent's state (SIGUSR1). */
    public String dump() {
        StringBuilder b = new StringBuilder("{\"machineID\":\"").append(machineId).append("\",\"registered\":").append(registered)
                .append(",\"units\":{");
        Map<String, CurrentUnit> cur = reconciler.current();
        String sep = "";
        for (CurrentUnit u : cur.values()) {
            SystemdPort.UnitState s = publisher.systemdState(u.name());
            b.append(sep).append('"').append(u.name()).append("\":{\"hash\":\"").append(u.hash()).append("\",\"state\":\"")
                    .append(u.state().wire()).append('"');
            if (s != null) {
                b.append(",\"systemd\":\"").append(s.loadState()).append('/').append(s.activeState()).append('/').append(s.subState()).append('"');
            }
            b.append('}');
            sep = ",";
        }
        return b.append("}}").toString();
    }

    @Override
    public void close() {
        running = false;
        timer.shutdownNow();
        publisher.close();
    }

    private static String newSession() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
