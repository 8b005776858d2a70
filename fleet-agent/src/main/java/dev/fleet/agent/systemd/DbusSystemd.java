package dev.fleet.agent.systemd;

/** Placeholder until the D-Bus adapter lands (replaced by the real class in the merge). */
public abstract class DbusSystemd implements SystemdPort {
    public static SystemdPort system() {
        throw new UnsupportedOperationException("the D-Bus adapter is not merged yet");
    }

    public static SystemdPort connect(String busAddress) {
        throw new UnsupportedOperationException("the D-Bus adapter is not merged yet");
    }
}
