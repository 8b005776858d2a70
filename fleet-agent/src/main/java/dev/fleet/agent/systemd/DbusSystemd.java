package dev.fleet.agent.systemd;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.freedesktop.dbus.DBusAsyncReply;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.IDisconnectCallback;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.interfaces.Properties.PropertiesChanged;
import org.freedesktop.dbus.matchrules.DBusMatchRuleBuilder;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.messages.Message;
import org.freedesktop.dbus.types.Variant;

/**
 * {@link SystemdPort} over D-Bus (dbus-java), to the systemd of the bus given to {@link #connect}: the
 * machine's own system bus, or from the host another machine's bus at
 * {@code unix:path=/proc/<pid1>/root/run/dbus/system_bus_socket}.
 * <p>
 * Errors: a D-Bus error of a call (unit not found, bad unit file, access denied, bus gone) is thrown as a
 * {@link SystemdException} by the method itself, {@link #startUnit}/{@link #stopUnit} included: their future
 * only carries the job's result and completes exceptionally only when the connection is lost or closed before
 * the job ended. A malformed unit name or unit-file path is an {@link IllegalArgumentException} before any call.
 * <p>
 * Threads: dbus-java's receiving threads (one each for signals, replies, errors) only hand work over; job
 * futures complete on a thread of their own, and unit states are merged and delivered to the listener on
 * another single thread, in order. Nothing polls.
 */
public final class DbusSystemd implements SystemdPort {

    public static final String SYSTEM_BUS_ADDRESS = "unix:path=/run/dbus/system_bus_socket";

    static final String UNIT_INTERFACE = "org.freedesktop.systemd1.Unit";
    static final String MANAGER_INTERFACE = "org.freedesktop.systemd1.Manager";
    private static final String NO_SUCH_UNIT = "org.freedesktop.systemd1.NoSuchUnit";
    private static final System.Logger LOG = System.getLogger(DbusSystemd.class.getName());

    /** What {@link #properties} returns, in this order; the first group from the Unit interface. */
    static final List<String> UNIT_PROPERTIES = List.of("Id", "Description", "LoadState", "ActiveState", "SubState",
            "UnitFileState", "FragmentPath", "InvocationID", "ActiveEnterTimestamp", "StateChangeTimestamp");
    /** From the type-specific interface (org.freedesktop.systemd1.Service, ...), where the type has them. */
    static final List<String> TYPE_PROPERTIES = List.of("Result", "MainPID", "ExecMainStatus", "NRestarts",
            "ControlGroup", "MemoryCurrent", "TasksCurrent");

    private final DBusConnection connection;
    private final SystemdManager manager;
    private final JobWaiters jobs;
    private final ExecutorService jobCompletions;
    private final ExecutorService events;
    private final UnitStateTracker tracker = new UnitStateTracker(); // used on the events thread only
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Consumer<UnitState> listener;
    private volatile String systemdUniqueName;

    private DbusSystemd(DBusConnection connection, JobWaiters jobs, ExecutorService jobCompletions) throws DBusException {
        this.connection = connection;
        this.jobs = jobs;
        this.jobCompletions = jobCompletions;
        this.events = Executors.newSingleThreadExecutor(daemon("systemd-events"));
        this.manager = connection.getRemoteObject(SystemdManager.BUS_NAME, SystemdManager.OBJECT_PATH, SystemdManager.class);
        // Before any StartUnit: systemd sends a job's JobRemoved to the client that created it even unsubscribed.
        this.systemdUniqueName = ownerOfSystemdName();
        connection.addSigHandler(SystemdManager.JobRemoved.class, signal -> {
            if (fromSystemd(signal)) {
                jobs.jobRemoved(signal.job().getPath(), signal.result());
            }
        });
    }

    /** Connects to the system bus of this machine ({@value #SYSTEM_BUS_ADDRESS}). */
    public static DbusSystemd system() {
        return connect(SYSTEM_BUS_ADDRESS);
    }

    /**
     * Connects to the user's {@code systemd --user} on the session bus: {@code DBUS_SESSION_BUS_ADDRESS}, else the
     * standard {@code $XDG_RUNTIME_DIR/bus}.
     */
    public static DbusSystemd user(Map<String, String> env) {
        String address = env.get("DBUS_SESSION_BUS_ADDRESS");
        if (address == null || address.isBlank()) {
            String runtime = env.get("XDG_RUNTIME_DIR");
            if (runtime == null || runtime.isBlank()) {
                throw new SystemdException("neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set", null);
            }
            address = "unix:path=" + runtime + "/bus";
        }
        return connect(address);
    }

    /** Connects to the systemd on the bus at {@code busAddress} (a D-Bus address, e.g. {@code unix:path=...}). */
    public static DbusSystemd connect(String busAddress) {
        if (busAddress == null || busAddress.isBlank()) {
            throw new IllegalArgumentException("D-Bus address required, e.g. " + SYSTEM_BUS_ADDRESS);
        }
        ExecutorService jobCompletions = Executors.newSingleThreadExecutor(daemon("systemd-jobs"));
        JobWaiters jobs = new JobWaiters(jobCompletions);
        DBusConnection connection = null;
        try {
            connection = DBusConnectionBuilder.forAddress(busAddress)
                    .withShared(false)
                    .withDisconnectCallback(new IDisconnectCallback() {
                        @Override
                        public void disconnectOnError(IOException e) {
                            jobs.failAll(new SystemdException("D-Bus connection to " + busAddress + " lost", e));
                        }
                    })
                    .receivingThreadConfig()
                    .withSignalThreadCount(1) // one thread: signals are handled in the order systemd sent them
                    .withMethodReturnThreadCount(1)
                    .withErrorHandlerThreadCount(1)
                    .withMethodCallThreadCount(1)
                    .connectionConfig()
                    .build();
            return new DbusSystemd(connection, jobs, jobCompletions);
        } catch (DBusException | RuntimeException e) {
            jobCompletions.shutdownNow();
            if (connection != null) {
                connection.disconnect();
            }
            throw new SystemdException("cannot connect to systemd at " + busAddress + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void linkUnitFiles(List<Path> files) {
        List<String> paths = files.stream().map(UnitNames::requireUnitFile).toList();
        if (!paths.isEmpty()) {
            invoke("LinkUnitFiles " + paths, "LinkUnitFiles", paths, true, true);
        }
    }

    @Override
    public void enableUnitFiles(List<Path> files) {
        List<String> paths = files.stream().map(UnitNames::requireUnitFile).toList();
        if (!paths.isEmpty()) {
            invoke("EnableUnitFiles " + paths, "EnableUnitFiles", paths, true, true);
        }
    }

    @Override
    public void disableUnitFiles(List<String> names) {
        List<String> valid = names.stream().map(UnitNames::requireValid).toList();
        if (!valid.isEmpty()) {
            invoke("DisableUnitFiles " + valid, "DisableUnitFiles", valid, true);
        }
    }

    @Override
    public void reload() {
        invoke("Reload", "Reload");
    }

    /**
     * {@inheritDoc}
     *
     * @throws SystemdException when systemd refuses the job (e.g. {@code NoSuchUnit}, a bad unit file);
     *                          the future then is never created.
     */
    @Override
    public CompletableFuture<String> startUnit(String name) {
        return queueJob("StartUnit", name);
    }

    /** {@inheritDoc} Errors as {@link #startUnit}. */
    @Override
    public CompletableFuture<String> stopUnit(String name) {
        return queueJob("StopUnit", name);
    }

    private CompletableFuture<String> queueJob(String method, String name) {
        UnitNames.requireValid(name);
        jobs.callStarted();
        DBusPath job;
        try {
            job = invoke(method + " " + name, method, name, "replace");
        } catch (RuntimeException e) {
            jobs.callFailed();
            throw e;
        }
        return jobs.callReturned(job.getPath());
    }

    @Override
    public void resetFailedUnit(String name) {
        UnitNames.requireValid(name);
        try {
            invokeOrErrorReply("ResetFailedUnit", name);
        } catch (ErrorReply e) {
            if (!NO_SUCH_UNIT.equals(e.name)) {
                throw new SystemdException("ResetFailedUnit " + name + " failed: " + e.getMessage(), e.getCause());
            }
        } catch (DBusException | RuntimeException e) {
            throw new SystemdException("ResetFailedUnit " + name + " failed: " + e.getMessage(), e);
        }
    }

    /** {@inheritDoc} {@code result} and {@code invocationId} are empty: ListUnitsByNames does not carry them. */
    @Override
    public Map<String, UnitState> states(Collection<String> names) {
        List<String> valid = names.stream().map(UnitNames::requireValid).distinct().toList();
        if (valid.isEmpty()) {
            return Map.of();
        }
        List<SystemdManager.UnitStatus> rows = invoke("ListUnitsByNames", "ListUnitsByNames", valid);
        Map<String, UnitState> states = new LinkedHashMap<>();
        for (SystemdManager.UnitStatus row : rows) {
            states.put(row.name(), new UnitState(row.name(), row.loadState(), row.activeState(), row.subState(), "", ""));
        }
        return states;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Every listed key is present, in the listed order; a property the unit's type does not have is empty.
     * Numbers are decimal, timestamps µs since the epoch ({@code 0}: never), a counter systemd does not track
     * (UINT64_MAX, e.g. MemoryCurrent without accounting) is {@value SystemdValues#NOT_SET}. Result, MainPID,
     * ExecMainStatus, NRestarts, ControlGroup, MemoryCurrent and TasksCurrent come from the type-specific
     * interface (Service for a .service).
     */
    @Override
    public Map<String, String> properties(String name) {
        UnitNames.requireValid(name);
        String path = UnitPaths.unitPath(name);
        Map<String, String> out = new LinkedHashMap<>();
        call("GetAll " + name, () -> {
            Properties props = propertiesOf(path);
            Map<String, Variant<?>> unit = props.GetAll(UNIT_INTERFACE);
            Map<String, Variant<?>> typed = props.GetAll(typeInterface(name));
            UNIT_PROPERTIES.forEach(key -> out.put(key, SystemdValues.render(unit.get(key))));
            TYPE_PROPERTIES.forEach(key -> out.put(key, SystemdValues.render(typed.get(key))));
            return null;
        });
        return out;
    }

    /** dbus-java drops a signal whose object path is over 255 characters: units with long escaped names send none. */
    @Override
    public boolean signalsFor(String name) {
        return UnitPaths.reachable(name);
    }

    @Override
    public String systemState() {
        return call("Get SystemState", () -> SystemdValues.render(managerProperties().Get(MANAGER_INTERFACE, "SystemState")));
    }

    /**
     * {@inheritDoc}
     * <p>
     * Delivered states carry the unit's Result (of the type-specific interface, empty for types without one)
     * and InvocationID (32 hex digits, empty when none); LoadState is read once per unit and refreshed after each
     * daemon-reload, for the units seen so far. The listener runs on one thread, in order; it should return
     * quickly, as later states wait for it.
     *
     * @throws IllegalStateException when called a second time
     */
    @Override
    public void subscribe(Consumer<UnitState> listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener required");
        }
        if (!subscribed.compareAndSet(false, true)) {
            throw new IllegalStateException("subscribe() is called at most once");
        }
        this.listener = listener;
        try {
            connection.addSigHandler(DBusMatchRuleBuilder.create()
                            .withType(PropertiesChanged.class)
                            .withPathNamespace(UnitPaths.UNIT_PREFIX.substring(0, UnitPaths.UNIT_PREFIX.length() - 1))
                            .build(),
                    (PropertiesChanged signal) -> events.execute(() -> onPropertiesChanged(signal)));
            connection.addSigHandler(SystemdManager.UnitRemoved.class, signal -> {
                if (fromSystemd(signal)) {
                    events.execute(() -> tracker.forget(signal.unit()));
                }
            });
            connection.addSigHandler(SystemdManager.Reloading.class, signal -> {
                if (!signal.active() && fromSystemd(signal)) {
                    events.execute(this::refreshAfterReload);
                }
            });
        } catch (DBusException e) {
            throw new SystemdException("cannot listen to systemd's signals: " + e.getMessage(), e);
        }
        invoke("Subscribe", "Subscribe");
    }

    /** On the events thread. */
    private void onPropertiesChanged(PropertiesChanged signal) {
        if (closed.get()) {
            return;
        }
        try {
            String name = UnitPaths.unitName(signal.getPath()).orElse(null);
            if (name == null || !fromSystemd(signal)) {
                return;
            }
            Map<String, Variant<?>> changed = signal.getPropertiesChanged();
            if (UNIT_INTERFACE.equals(signal.getInterfaceName())) {
                Map<String, String> changes = new HashMap<>();
                for (String key : List.of(UnitStateTracker.ACTIVE_STATE, UnitStateTracker.SUB_STATE,
                        UnitStateTracker.LOAD_STATE, UnitStateTracker.INVOCATION_ID)) {
                    Variant<?> value = changed.get(key);
                    if (value != null) {
                        changes.put(key, SystemdValues.render(value));
                    }
                }
                if (changes.isEmpty()) {
                    return;
                }
                if (!changes.containsKey(UnitStateTracker.LOAD_STATE) && !tracker.knowsLoadState(name)) {
                    // systemd does not emit LoadState changes: read it once
                    changes.put(UnitStateTracker.LOAD_STATE, readLoadState(signal.getPath()));
                }
                tracker.merge(name, changes);
                tracker.takeIfChanged(name).ifPresent(this::deliver);
            } else if (changed.containsKey(UnitStateTracker.RESULT)) {
                // the type-specific interface: systemd sends it just before the Unit one
                tracker.merge(name, Map.of(UnitStateTracker.RESULT, SystemdValues.render(changed.get(UnitStateTracker.RESULT))));
            }
        } catch (RuntimeException e) {
            if (!closed.get()) {
                LOG.log(Level.WARNING, "unit state change not handled: " + signal.getPath(), e);
            }
        }
    }

    /**
     * Whether systemd sent the signal: any client may emit signals, and dbus-java matches a rule's sender only
     * against unique names, so the sender is checked here. After a daemon-reexec systemd has a new unique name.
     */
    private boolean fromSystemd(DBusSignal signal) {
        String source = signal.getSource();
        if (source == null) {
            return false;
        }
        if (!source.equals(systemdUniqueName)) {
            systemdUniqueName = ownerOfSystemdName();
        }
        return source.equals(systemdUniqueName);
    }

    private String ownerOfSystemdName() {
        try {
            String owner = connection.getDBusOwnerName(SystemdManager.BUS_NAME);
            return owner == null ? "" : owner;
        } catch (RuntimeException e) {
            return "";
        }
    }

    private String readLoadState(String unitPath) {
        Properties props = propertiesOf(unitPath);
        return SystemdValues.render(props.Get(UNIT_INTERFACE, UnitStateTracker.LOAD_STATE));
    }

    /** On the events thread: daemon-reload may have changed LoadStates, which systemd does not signal. */
    private void refreshAfterReload() {
        List<String> names = tracker.names();
        if (names.isEmpty() || closed.get()) {
            return;
        }
        try {
            List<SystemdManager.UnitStatus> rows = invoke("ListUnitsByNames", "ListUnitsByNames", names);
            for (SystemdManager.UnitStatus row : rows) {
                tracker.merge(row.name(), Map.of(UnitStateTracker.LOAD_STATE, row.loadState(),
                        UnitStateTracker.ACTIVE_STATE, row.activeState(), UnitStateTracker.SUB_STATE, row.subState()));
                tracker.takeIfChanged(row.name()).ifPresent(this::deliver);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "unit states after daemon-reload not read", e);
        }
    }

    private void deliver(UnitState state) {
        try {
            listener.accept(state);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "unit state listener failed on " + state, e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        connection.disconnect();
        jobs.failAll(new SystemdException("D-Bus connection closed", null));
        events.shutdown();
        jobCompletions.shutdown();
        try {
            events.awaitTermination(2, TimeUnit.SECONDS);
            jobCompletions.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Properties managerProperties() {
        return propertiesOf(SystemdManager.OBJECT_PATH);
    }

    private Properties propertiesOf(String objectPath) {
        try {
            return connection.getRemoteObject(SystemdManager.BUS_NAME, objectPath, Properties.class);
        } catch (DBusException e) {
            throw new SystemdException("no D-Bus object " + objectPath + ": " + e.getMessage(), e);
        }
    }

    static String typeInterface(String unitName) {
        String type = UnitNames.type(unitName);
        return "org.freedesktop.systemd1." + Character.toUpperCase(type.charAt(0)) + type.substring(1);
    }

    /** A D-Bus error reply, with its name (e.g. org.freedesktop.systemd1.NoSuchUnit). */
    private static final class ErrorReply extends RuntimeException {
        final String name;

        ErrorReply(String name, DBusExecutionException cause) {
            super(name + ": " + cause.getMessage(), cause);
            this.name = name;
        }
    }

    /** {@link #invokeOrErrorReply}, any failure a {@link SystemdException}. */
    private <T> T invoke(String what, String method, Object... args) {
        try {
            return invokeOrErrorReply(method, args);
        } catch (ErrorReply e) {
            throw new SystemdException(what + " failed: " + e.getMessage(), e.getCause());
        } catch (DBusException | RuntimeException e) {
            throw new SystemdException(what + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Calls a Manager method. Through dbus-java's async call, because its proxies drop the D-Bus error name,
     * which callers need (and which the {@link SystemdException} message then carries).
     */
    @SuppressWarnings("unchecked")
    private <T> T invokeOrErrorReply(String method, Object... args) throws DBusException {
        DBusAsyncReply<?> reply = connection.callMethodAsync(manager, method, args);
        Message answer = reply.getCall().getReply(); // waits, up to dbus-java's method call timeout
        if (answer instanceof org.freedesktop.dbus.messages.Error error) {
            throw new ErrorReply(error.getName(), error.getException());
        }
        if (answer == null) {
            throw new DBusExecutionException("no reply from systemd in time");
        }
        if (answer.getParameters().length == 0) {
            return null; // a void method: dbus-java's async reply has no value to give
        }
        return (T) reply.getReply();
    }

    private static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw failure(what, e);
        }
    }

    private static SystemdException failure(String what, RuntimeException e) {
        return new SystemdException(what + " failed: " + e.getMessage(), e);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
