package dev.fleet.agent.systemd;

import java.util.List;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.Tuple;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.types.UInt32;

/**
 * The part of {@code org.freedesktop.systemd1.Manager} (object {@code /org/freedesktop/systemd1}) the agent
 * uses. Method names are the D-Bus member names.
 */
@DBusInterfaceName("org.freedesktop.systemd1.Manager")
public interface SystemdManager extends DBusInterface {

    String BUS_NAME = "org.freedesktop.systemd1";
    String OBJECT_PATH = "/org/freedesktop/systemd1";

    /** {@code StartUnit(ss)o}. */
    DBusPath StartUnit(String name, String mode);

    /** {@code StopUnit(ss)o}. */
    DBusPath StopUnit(String name, String mode);

    /** {@code Reload()}: systemd replies once it has reloaded. */
    void Reload();

    /** {@code Subscribe()}: systemd then emits unit and job signals to this client. */
    void Subscribe();

    // Boolean, not boolean: DbusSystemd calls through callMethodAsync, which finds methods by argument classes

    /** {@code LinkUnitFiles(asbb)a(sss)}. */
    List<UnitFileChange> LinkUnitFiles(List<String> files, Boolean runtime, Boolean force);

    /** {@code EnableUnitFiles(asbb)(ba(sss))}. */
    EnableUnitFilesReply<Boolean, List<UnitFileChange>> EnableUnitFiles(List<String> files, Boolean runtime, Boolean force);

    /** {@code DisableUnitFiles(asb)a(sss)}. */
    List<UnitFileChange> DisableUnitFiles(List<String> names, Boolean runtime);

    /** {@code ResetFailedUnit(s)}. */
    void ResetFailedUnit(String name);

    /** {@code ListUnitsByNames(as)a(ssssssouso)}. */
    List<UnitStatus> ListUnitsByNames(List<String> names);

    /** {@code JobRemoved(uoss)}: a job finished with {@code result}. */
    class JobRemoved extends DBusSignal {
        private final DBusPath job;
        private final String unit;
        private final String result;

        public JobRemoved(String path, UInt32 id, DBusPath job, String unit, String result) throws DBusException {
            super(path, id, job, unit, result);
            this.job = job;
            this.unit = unit;
            this.result = result;
        }

        public DBusPath job() {
            return job;
        }

        public String unit() {
            return unit;
        }

        public String result() {
            return result;
        }
    }

    /** {@code UnitRemoved(so)}: systemd unloaded a unit. */
    class UnitRemoved extends DBusSignal {
        private final String unit;

        public UnitRemoved(String path, String unit, DBusPath unitPath) throws DBusException {
            super(path, unit, unitPath);
            this.unit = unit;
        }

        public String unit() {
            return unit;
        }
    }

    /** {@code Reloading(b)}: {@code true} before a daemon-reload, {@code false} after it. */
    class Reloading extends DBusSignal {
        private final boolean active;

        public Reloading(String path, boolean active) throws DBusException {
            super(path, active);
            this.active = active;
        }

        public boolean active() {
            return active;
        }
    }

    /** One change of a unit-file call: {@code (type, file name, destination)}. */
    final class UnitFileChange extends Struct {
        @Position(0)
        private final String type;
        @Position(1)
        private final String file;
        @Position(2)
        private final String destination;

        public UnitFileChange(String type, String file, String destination) {
            this.type = type;
            this.file = file;
            this.destination = destination;
        }

        public String type() {
            return type;
        }

        public String file() {
            return file;
        }

        public String destination() {
            return destination;
        }
    }

    /** The reply of EnableUnitFiles: carries-install-info and the changes. */
    final class EnableUnitFilesReply<A, B> extends Tuple {
        @Position(0)
        private final A carriesInstallInfo;
        @Position(1)
        private final B changes;

        public EnableUnitFilesReply(A carriesInstallInfo, B changes) {
            this.carriesInstallInfo = carriesInstallInfo;
            this.changes = changes;
        }

        public A carriesInstallInfo() {
            return carriesInstallInfo;
        }

        public B changes() {
            return changes;
        }
    }

    /** One row of ListUnitsByNames. */
    final class UnitStatus extends Struct {
        @Position(0)
        private final String name;
        @Position(1)
        private final String description;
        @Position(2)
        private final String loadState;
        @Position(3)
        private final String activeState;
        @Position(4)
        private final String subState;
        @Position(5)
        private final String following;
        @Position(6)
        private final DBusPath unitPath;
        @Position(7)
        private final UInt32 jobId;
        @Position(8)
        private final String jobType;
        @Position(9)
        private final DBusPath jobPath;

        public UnitStatus(String name, String description, String loadState, String activeState, String subState,
                          String following, DBusPath unitPath, UInt32 jobId, String jobType, DBusPath jobPath) {
            this.name = name;
            this.description = description;
            this.loadState = loadState;
            this.activeState = activeState;
            this.subState = subState;
            this.following = following;
            this.unitPath = unitPath;
            this.jobId = jobId;
            this.jobType = jobType;
            this.jobPath = jobPath;
        }

        public String name() {
            return name;
        }

        public String loadState() {
            return loadState;
        }

        public String activeState() {
            return activeState;
        }

        public String subState() {
            return subState;
        }
    }
}
