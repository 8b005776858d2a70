package dev.fleet.agent.systemd;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the agent needs from systemd (the system manager of this machine). The D-Bus adapter
 * ({@link DbusSystemd}) is the real implementation; unit tests of the reconcile logic use a fake.
 * Every method is thread-safe. A failure of systemd (a D-Bus error) is a {@link SystemdException}.
 */
public interface SystemdPort extends AutoCloseable {

    /** {@code LinkUnitFiles(files, runtime=true, force=true)}: links into {@code /run/systemd/system}. */
    void linkUnitFiles(List<Path> files);

    /** {@code EnableUnitFiles(files, runtime=true, force=true)} (units with an {@code [Install]} section). */
    void enableUnitFiles(List<Path> files);

    /** {@code DisableUnitFiles(names, runtime=true)}. */
    void disableUnitFiles(List<String> names);

    /** {@code Reload()} (daemon-reload); returns when systemd has reloaded. */
    void reload();

    /**
     * {@code StartUnit(name, "replace")}. Returns once systemd has queued the job; the future completes
     * with the job's result from {@code JobRemoved} ({@code done}, {@code failed}, {@code canceled},
     * {@code timeout}, {@code dependency}, {@code skipped}).
     * <p>
     * A refusal of the call itself (no such unit, a bad unit file, a D-Bus error) is thrown here as a
     * {@link SystemdException}, not put in the future; the future completes exceptionally only when the
     * connection to systemd is lost or closed before the job ended. The future completes on a thread of the
     * implementation, never on the D-Bus dispatch thread.
     */
    CompletableFuture<String> startUnit(String name);

    /** {@code StopUnit(name, "replace")}; as {@link #startUnit}. */
    CompletableFuture<String> stopUnit(String name);

    /** {@code ResetFailedUnit(name)}; a unit systemd does not know is not an error. */
    void resetFailedUnit(String name);

    /** The states of the named units ({@code ListUnitsByNames}); units systemd does not know have LoadState {@code not-found}. */
    Map<String, UnitState> states(Collection<String> names);

    /**
     * The properties {@code systemctl status} shows, of one unit (org.freedesktop.systemd1.Unit and,
     * for a service, .Service), as strings: Id, Description, LoadState, ActiveState, SubState,
     * UnitFileState, FragmentPath, InvocationID (hex), Result, MainPID, ExecMainStatus,
     * ActiveEnterTimestamp (µs), StateChangeTimestamp (µs), NRestarts, ControlGroup, MemoryCurrent, TasksCurrent.
     */
    Map<String, String> properties(String name);

    /**
     * {@code Subscribe()} and deliver every change of LoadState/ActiveState/SubState of any unit to
     * {@code listener}, de-duplicated (a state equal to the last delivered one for that unit is not
     * delivered again). Called at most once.
     */
    void subscribe(Consumer<UnitState> listener);

    /**
     * Whether {@link #subscribe} delivers this unit's changes. The D-Bus adapter cannot for a unit whose object path
     * is longer than its library takes; the agent polls such units' states ({@link #states}) instead.
     */
    default boolean signalsFor(String name) {
        return true;
    }

    /** The manager's {@code SystemState} ({@code running}, {@code degraded}, {@code starting}, ...). */
    String systemState();

    @Override
    void close();

    /** A unit's state as systemd reports it. {@code result} and {@code invocationId} may be empty. */
    record UnitState(String name, String loadState, String activeState, String subState, String result, String invocationId) {
    }

    /** systemd refused or failed a call. */
    final class SystemdException extends RuntimeException {
        public SystemdException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
