package dev.fleet.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * fleet's global SSH flags as the arguments of the system's OpenSSH client ({@code ssh}), which fleetctl runs for
 * {@code ssh} and {@code --tunnel} (fleet had an SSH client of its own). Pure functions: the exact argv for given flags.
 *
 * <ul>
 *   <li>{@code --ssh-username} → {@code -l USER}; {@code --ssh-timeout=S} → {@code -o ConnectTimeout=⌈S⌉} (OpenSSH
 *   takes whole seconds; 0 = none, as fleet's 0);</li>
 *   <li>{@code --strict-host-key-checking=true} (fleet's default: an unknown host is asked about, a changed key is
 *   refused) → {@code -o StrictHostKeyChecking=ask -o UserKnownHostsFile=FILE} ({@code --known-hosts-file});
 *   {@code false} (fleet checked nothing) → {@code -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
 *   -o LogLevel=ERROR} (no "Permanently added" line on every run);</li>
 *   <li>{@code --tunnel=HOST[:PORT]} (":22" when no port): the target is reached through the tunnel host with
 *   {@code -o ProxyCommand=ssh ... -W %h:%p HOST}, the same options applying to both hops (a {@code -J} jump host
 *   would not get them); the API is reached through a local forward ({@link #tunnelArgv}).</li>
 * </ul>
 *
 * @param binary         the ssh program ({@code ssh}, from PATH)
 * @param user           {@code --ssh-username}
 * @param timeoutSeconds {@code --ssh-timeout}
 * @param knownHostsFile {@code --known-hosts-file}, {@code ~} already expanded
 * @param strict         {@code --strict-host-key-checking}
 * @param tunnel         {@code --tunnel}, or "" for none
 */
record SshOptions(String binary, String user, double timeoutSeconds, String knownHostsFile, boolean strict, String tunnel) {
    static final int DEFAULT_PORT = 22;

    /** A host and port: {@code --tunnel}'s value, parsed. */
    record HostPort(String host, int port) {
    }

    /** {@code HOST[:PORT]} or {@code [V6]:PORT}, port 22 when none is given (fleet added ":22"). */
    static HostPort hostPort(String spec) {
        String host = spec;
        String port = null;
        if (spec.startsWith("[")) {
            int close = spec.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("invalid host \"" + spec + "\": missing ']'");
            }
            host = spec.substring(1, close);
            String rest = spec.substring(close + 1);
            if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else if (!rest.isEmpty()) {
                throw new IllegalArgumentException("invalid host \"" + spec + "\"");
            }
        } else if (spec.indexOf(':') >= 0 && spec.indexOf(':') == spec.lastIndexOf(':')) {
            host = spec.substring(0, spec.indexOf(':'));
            port = spec.substring(spec.indexOf(':') + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("invalid host \"" + spec + "\": no host name");
        }
        int p = DEFAULT_PORT;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("invalid port in \"" + spec + "\"");
            }
        }
        return new HostPort(host, p);
    }

    /** The options every ssh fleetctl runs gets (user, timeout, host-key checking). */
    List<String> common() {
        List<String> a = new ArrayList<>();
        a.add("-l");
        a.add(user);
        if (timeoutSeconds > 0) {
            a.add("-o");
            a.add("ConnectTimeout=" + (long) Math.ceil(timeoutSeconds));
        }
        if (strict) {
            a.add("-o");
            a.add("StrictHostKeyChecking=ask");
            a.add("-o");
            a.add("UserKnownHostsFile=" + knownHostsFile);
        } else {
            a.add("-o");
            a.add("StrictHostKeyChecking=no");
            a.add("-o");
            a.add("UserKnownHostsFile=/dev/null");
            a.add("-o");
            a.add("LogLevel=ERROR");
        }
        return a;
    }

    /**
     * {@code fleetctl ssh}: a shell (no {@code command}) or {@code command} on {@code host}. OpenSSH joins the command's
     * words with spaces for the remote shell, as fleet did; {@code --} keeps a command that starts with "-" from being
     * read as an ssh option.
     */
    List<String> sshArgv(String host, int port, boolean forwardAgent, List<String> command) {
        List<String> a = new ArrayList<>();
        a.add(binary);
        a.addAll(common());
        a.add("-p");
        a.add(Integer.toString(port));
        if (forwardAgent) {
            a.add("-A");
        }
        if (!tunnel.isEmpty()) {
            a.add("-o");
            a.add("ProxyCommand=" + proxyCommand());
        }
        a.add("--");
        a.add(host);
        a.addAll(command);
        return a;
    }

    /** The ProxyCommand that reaches a target through the tunnel host: ssh ... -W %h:%p, as one shell command line. */
    String proxyCommand() {
        HostPort t = hostPort(tunnel);
        List<String> a = new ArrayList<>();
        a.add(binary);
        a.addAll(common());
        a.add("-p");
        a.add(Integer.toString(t.port()));
        StringBuilder sb = new StringBuilder();
        for (String s : a) {
            sb.append(shellQuote(s).replace("%", "%%")).append(' '); // ssh expands %-tokens before the shell runs it
        }
        sb.append("-W %h:%p -- ").append(shellQuote(t.host()).replace("%", "%%"));
        return sb.toString();
    }

    /** A local forward of {@code localPort} on 127.0.0.1 to {@code host:port} as seen from the tunnel host. */
    record Forward(int localPort, String host, int port) {
        String spec() {
            String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
            return "127.0.0.1:" + localPort + ":" + h + ":" + port;
        }
    }

    /**
     * {@code --tunnel} for the API: {@code ssh -N -n -o ExitOnForwardFailure=yes -L 127.0.0.1:LOCAL:HOST:PORT ... TUNNEL},
     * one {@code -L} per endpoint; no remote command, no standard input.
     */
    List<String> tunnelArgv(List<Forward> forwards) {
        HostPort t = hostPort(tunnel);
        List<String> a = new ArrayList<>();
        a.add(binary);
        a.addAll(common());
        a.add("-p");
        a.add(Integer.toString(t.port()));
        a.add("-N");
        a.add("-n");
        a.add("-o");
        a.add("ExitOnForwardFailure=yes");
        for (Forward f : forwards) {
            a.add("-L");
            a.add(f.spec());
        }
        a.add("--");
        a.add(t.host());
        return a;
    }

    /** {@code s} as one word for /bin/sh: as is when it is plainly safe, else in single quotes. */
    static String shellQuote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** fleet's TrimToDashes: the words after the first "--", or all of them when there is none. */
    static List<String> trimToDashes(List<String> args) {
        int i = args.indexOf("--");
        return i < 0 ? args : args.subList(i + 1, args.size());
    }

    /** A leading {@code ~/} (or a lone {@code ~}) as the user's home directory, as OpenSSH reads it. */
    static String expandHome(String path, String home) {
        if (path.equals("~")) {
            return home;
        }
        if (path.startsWith("~/")) {
            return home + path.substring(1);
        }
        return path;
    }
}
