package dev.fleet.agent.control;

import dev.fleet.agent.plan.DesiredUnit;
import dev.fleet.client.FleetClient;
import dev.fleet.schema.Presence;
import dev.fleet.schema.StateReport;
import dev.fleet.schema.UnitState;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The agent's view of the agent API ({@code docs/agent-api.md}) through the one {@link FleetClient}: its failover
 * (a node that cannot be reached, or answers 503, is skipped for the next; the node that answered last is tried first
 * next time) and its codec. What is the agent's own here: its timeouts, turning the schedule into
 * {@link DesiredUnit}s, and failures as {@link IOException}s. Thread-safe.
 */
public final class ControlPlane {
    private static final Duration CONNECT = Duration.ofSeconds(2);
    private static final Duration READ = Duration.ofSeconds(10);
    /** The node answers a long poll after at most 60 s unchanged. */
    private static final int LONG_POLL_MILLIS = 75_000;

    /** The longest schedule answer read by default: an eighth of the heap (a parsed schedule takes several times its size), 1..64 MiB. */
    static final long DEFAULT_MAX_BYTES = Math.max(1L << 20, Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8));
    static final int DEFAULT_MAX_UNITS = 10_000;

    private final FleetClient client;
    private final long maxScheduleBytes;
    private final int maxScheduleUnits;

    /** Limits from {@code -Dfleet.agent.scheduleMaxBytes} and {@code -Dfleet.agent.scheduleMaxUnits}, else the defaults. */
    public ControlPlane(List<URI> endpoints) {
        this(endpoints, Long.getLong("fleet.agent.scheduleMaxBytes", DEFAULT_MAX_BYTES),
                Integer.getInteger("fleet.agent.scheduleMaxUnits", DEFAULT_MAX_UNITS));
    }

    public ControlPlane(List<URI> endpoints, long maxScheduleBytes, int maxScheduleUnits) {
        if (maxScheduleBytes < 1 || maxScheduleUnits < 1) {
            throw new IllegalArgumentException("schedule limits must be positive: " + maxScheduleBytes + " bytes, " + maxScheduleUnits + " units");
        }
        this.client = new FleetClient(endpoints, CONNECT, READ, null);
        this.maxScheduleBytes = maxScheduleBytes;
        this.maxScheduleUnits = maxScheduleUnits;
    }

    /**
     * The schedule is over the agent's limits (bytes or units): it was not used. Not an {@link IOException}: the control
     * plane answered, and reading it again gives the same answer until the schedule changes.
     */
    public static final class ScheduleTooLarge extends RuntimeException {
        public ScheduleTooLarge(String message) {
            super(message);
        }
    }

    /** TLS to https endpoints from now on: the CA that signs the nodes, and this machine's certificate. */
    public void useTls(javax.net.ssl.SSLContext ctx) {
        client.useTls(ctx);
    }

    /** Replaces the node list (SIGHUP re-read the configuration). */
    public void setEndpoints(List<URI> endpoints) {
        client.setEndpoints(endpoints);
    }

    public List<URI> endpoints() {
        return client.endpoints();
    }

    /** No node could be reached (or every one answered 503); the message lists why, per node. */
    public static final class UnreachableException extends IOException {
        public UnreachableException(String message) {
            super(message);
        }
    }

    /** This machine's schedule: its own units and the global units, with its merged metadata. */
    public record Schedule(long index, Map<String, String> metadata, List<DesiredUnit> units) {
    }

    /** A client call that may find no node. */
    private interface Call<T> {
        T run();
    }

    private static <T> T call(Call<T> c) throws IOException {
        try {
            return c.run();
        } catch (FleetClient.Unreachable e) {
            throw new UnreachableException("no control-plane node answered: " + e.getMessage());
        } catch (FleetClient.ApiException e) {
            throw new IOException("HTTP " + e.status() + " " + e.getMessage());
        }
    }

    /** PUT machines/ID: 201 registered, 200 refreshed, 409 another session holds the ID. */
    public int register(Presence p) throws IOException {
        return call(() -> client.register(p));
    }

    /** DELETE machines/ID?session=S: true if this session held the machine. */
    public boolean deregister(String machineId, String session) throws IOException {
        return call(() -> client.deregister(machineId, session));
    }

    /** GET the schedule; with {@code waitIndex >= 0}, a long poll for the first change after that index. */
    public Schedule schedule(String machineId, long waitIndex) throws IOException {
        dev.fleet.schema.Schedule s;
        try {
            s = call(() -> client.schedule(machineId, waitIndex, LONG_POLL_MILLIS, maxScheduleBytes));
        } catch (dev.fleet.client.JsonHttp.TooLarge e) {
            throw new ScheduleTooLarge("schedule over " + maxScheduleBytes + " bytes (" + e.getMessage()
                    + "); raise -Dfleet.agent.scheduleMaxBytes and the heap to run it");
        }
        if (s.units().size() > maxScheduleUnits) {
            throw new ScheduleTooLarge("schedule of " + s.units().size() + " units, over the limit of " + maxScheduleUnits
                    + " (-Dfleet.agent.scheduleMaxUnits)");
        }
        return desired(s);
    }

    /** PUT machines/ID/states: 204 stored; 409 the session does not hold the machine (register again). */
    public int reportStates(String machineId, String session, List<UnitState> states, List<String> removed) throws IOException {
        return call(() -> client.reportStates(machineId, new StateReport(session, states, removed)));
    }

    /** The units of a schedule as the agent plans with them. Units with an unknown desired state are skipped (a newer server). */
    static Schedule desired(dev.fleet.schema.Schedule s) {
        List<DesiredUnit> units = new ArrayList<>();
        for (dev.fleet.schema.Schedule.Entry u : s.units()) {
            DesiredState state = DesiredState.fromWire(u.desiredState() == null ? "" : u.desiredState()).orElse(null);
            if (state == null) {
                continue;
            }
            UnitFile file = UnitFile.of(u.options());
            units.add(new DesiredUnit(u.name(), file.hash(), state, file, u.global(), u.launch()));
        }
        return new Schedule(s.index(), s.metadata(), units);
    }
}
