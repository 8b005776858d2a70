package dev.fleet.ca;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which certificate each kind of member gets: a pure function of the request (names, SANs, key usages), no keys and
 * no files. {@link Certs} turns a {@link Profile} into extensions.
 * <ul>
 * <li>{@code node}: CN=name, OU=node, serverAuth + clientAuth (HTTPS and the mutual JGroups TLS use the one
 * certificate), IP/DNS SANs for every address the node is reached on (at least one: fleetctl checks the host).</li>
 * <li>{@code agent}: CN=machine ID, OU=agent, serverAuth + clientAuth (it calls the nodes and serves its local API),
 * optional IP/DNS SANs.</li>
 * <li>{@code client}: CN=name, OU=role (read, operate or admin), clientAuth only, no SANs.</li>
 * </ul>
 */
public final class Profiles {
    public enum Kind { node, agent, client }

    public enum Role { read, operate, admin }

    /** What {@code fleet-ca issue} was asked for; lists never null. */
    public record Request(Kind kind, String name, List<String> ips, List<String> dns, Role role, String machineId, int days) {
    }

    /** The certificate to make: subject CN and OU, SANs, extended key usages, validity in days. */
    public record Profile(Kind kind, String commonName, String unit, List<String> ips, List<String> dns,
                          boolean serverAuth, boolean clientAuth, int days) {
    }

    /** File names and CNs: a letter or digit, then letters, digits, '.', '_' or '-'; at most 64. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final Pattern DNS = Pattern.compile("(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    static final int MAX_DAYS = 3650 * 3;

    private Profiles() {
    }

    public static Profile profile(Request r) {
        checkName(r.name());
        checkDays(r.days());
        r.ips().forEach(Profiles::checkIp);
        r.dns().forEach(Profiles::checkDns);
        return switch (r.kind()) {
            case node -> {
                noRole(r);
                noMachineId(r);
                if (r.ips().isEmpty() && r.dns().isEmpty()) {
                    throw new UsageError("a node certificate needs --ip or --dns: the addresses clients and peers reach the node on");
                }
                yield new Profile(r.kind(), r.name(), "node", List.copyOf(r.ips()), List.copyOf(r.dns()), true, true, r.days());
            }
            case agent -> {
                noRole(r);
                if (r.machineId() == null || r.machineId().isEmpty()) {
                    throw new UsageError("an agent certificate needs --machine-id (the machine's /etc/machine-id)");
                }
                if (!NAME.matcher(r.machineId()).matches()) {
                    throw new UsageError("--machine-id: '" + r.machineId() + "' is not a machine ID (letters, digits, '.', '_', '-')");
                }
                yield new Profile(r.kind(), r.machineId(), "agent", List.copyOf(r.ips()), List.copyOf(r.dns()), true, true, r.days());
            }
            case client -> {
                noMachineId(r);
                if (!r.ips().isEmpty() || !r.dns().isEmpty()) {
                    throw new UsageError("--ip and --dns are for node and agent certificates, not client ones");
                }
                Role role = r.role() == null ? Role.read : r.role();
                yield new Profile(r.kind(), r.name(), role.name(), List.of(), List.of(), false, true, r.days());
            }
        };
    }

    private static void noRole(Request r) {
        if (r.role() != null) {
            throw new UsageError("--role is for client certificates (a " + r.kind() + " certificate's role is '" + r.kind() + "')");
        }
    }

    private static void noMachineId(Request r) {
        if (r.machineId() != null) {
            throw new UsageError("--machine-id is for agent certificates");
        }
    }

    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new UsageError("--name: '" + name + "' is not a name (a letter or digit, then letters, digits, '.', '_', '-'; at most 64)");
        }
    }

    public static void checkDays(int days) {
        if (days < 1 || days > MAX_DAYS) {
            throw new UsageError("--days: " + days + " is not between 1 and " + MAX_DAYS);
        }
    }

    /** An IPv4 dotted quad or an IPv6 literal (no DNS lookup, ever). */
    public static void checkIp(String ip) {
        boolean ok = IPV4.matcher(ip).matches()
                || (ip.indexOf(':') >= 0 && IPV6.matcher(ip).matches() && org.bouncycastle.util.IPAddress.isValidIPv6(ip));
        if (!ok) {
            throw new UsageError("--ip: '" + ip + "' is not an IPv4 or IPv6 address");
        }
    }

    public static void checkDns(String dns) {
        if (dns.length() > 253 || !DNS.matcher(dns).matches() || IPV4.matcher(dns).matches()) {
            throw new UsageError("--dns: '" + dns + "' is not a DNS name" + (IPV4.matcher(dns).matches() ? " (use --ip for addresses)" : ""));
        }
    }

    public static Role role(String s) {
        for (Role r : Role.values()) {
            if (r.name().equals(s)) {
                return r;
            }
        }
        throw new UsageError("--role: '" + s + "' is not one of read, operate, admin");
    }

    public static Kind kind(String s) {
        for (Kind k : Kind.values()) {
            if (k.name().equals(s)) {
                return k;
            }
        }
        throw new UsageError("--kind: '" + s + "' is not one of node, agent, client");
    }
}
