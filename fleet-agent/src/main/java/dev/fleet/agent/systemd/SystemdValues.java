package dev.fleet.agent.systemd;

import java.util.HexFormat;
import java.util.List;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;

/** Renders D-Bus property values as the strings {@link SystemdPort#properties} promises. */
final class SystemdValues {

    /** What {@code systemctl show} prints for a counter systemd does not track (UINT64_MAX). */
    static final String NOT_SET = "[not set]";

    private static final HexFormat HEX = HexFormat.of();

    private SystemdValues() {
    }

    /** An {@code ay} id (InvocationID): 32 lowercase hex digits, or empty when systemd has none (empty array or all zero). */
    static String hexId(byte[] id) {
        if (id == null || id.length == 0) {
            return "";
        }
        for (byte b : id) {
            if (b != 0) {
                return HEX.formatHex(id);
            }
        }
        return "";
    }

    static String render(Object value) {
        if (value instanceof Variant<?> v) {
            return render(v.getValue());
        }
        if (value == null) {
            return "";
        }
        if (value instanceof byte[] bytes) {
            return hexId(bytes);
        }
        if (value instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(Byte.class::isInstance)) {
            byte[] bytes = new byte[list.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (Byte) list.get(i);
            }
            return hexId(bytes);
        }
        if (value instanceof UInt64 u) {
            return u.value().equals(UInt64.MAX_BIG_VALUE) ? NOT_SET : u.toString();
        }
        if (value instanceof DBusPath p) {
            return p.getPath();
        }
        if (value instanceof Boolean b) {
            return b ? "yes" : "no";
        }
        return value.toString();
    }
}
