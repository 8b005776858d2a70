package dev.fleet.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code --tunnel}: every API request goes through SSH to the tunnel host. One {@code ssh -N -L ...} child forwards a
 * free port on 127.0.0.1 to each endpoint (as the tunnel host resolves it); the client then talks to
 * {@code http://127.0.0.1:PORT}. The child is started before the first request, waited for until its ports accept
 * (at most {@code --ssh-timeout}), and ended by its own process handle when the run ends (or the JVM exits).
 */
final class Tunnel implements AutoCloseable {
    private final Process process;
    private final List<URI> endpoints;
    private final Thread hook;

    private Tunnel(Process process, List<URI> endpoints) {
        this.process = process;
        this.endpoints = endpoints;
        this.hook = new Closer(process);
    }

    /** The endpoints as the client must use them: the local ends of the forwards, in the order given. */
    List<URI> endpoints() {
        return endpoints;
    }

    /** The forwards for {@code endpoints}, each on its own free local port. */
    static List<SshOptions.Forward> forwards(List<URI> endpoints) throws IOException {
        List<SshOptions.Forward> out = new ArrayList<>();
        for (URI u : endpoints) {
            int port = u.getPort() >= 0 ? u.getPort() : u.getScheme().equals("https") ? 443 : 80;
            String host = u.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            out.add(new SshOptions.Forward(freePort(), host, port));
        }
        return out;
    }

    /** The endpoint {@code original} becomes through forward {@code f}: same scheme and path, 127.0.0.1:local port. */
    static URI local(URI original, SshOptions.Forward f) {
        return URI.create(original.getScheme() + "://127.0.0.1:" + f.localPort() + (original.getRawPath() == null ? "" : original.getRawPath()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts the tunnel and waits until every forward accepts. Fails (the ssh child ended) with fleet's
     * "failed initializing SSH client: ..." as {@link Fleetctl.Fail}'s message.
     */
    static Tunnel open(SshOptions ssh, List<URI> endpoints) {
        List<SshOptions.Forward> fw;
        Process p;
        try {
            fw = forwards(endpoints);
            // stderr inherited: ssh's own errors and its host-key question reach the user; no stdout (-N: there is none)
            p = new ProcessBuilder(ssh.tunnelArgv(fw)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw fail("cannot run " + ssh.binary() + ": " + e.getMessage());
        }
        List<URI> local = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            local.add(local(endpoints.get(i), fw.get(i)));
        }
        Tunnel t = new Tunnel(p, local);
        Runtime.getRuntime().addShutdownHook(t.hook);
        try {
            long deadline = ssh.timeoutSeconds() > 0 ? System.nanoTime() + (long) (ssh.timeoutSeconds() * 1e9) : Long.MAX_VALUE;
            for (SshOptions.Forward f : fw) {
                t.await(f.localPort(), deadline, ssh);
            }
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void await(int port, long deadline, SshOptions ssh) {
        while (true) {
            if (!process.isAlive()) {
                throw fail("ssh to " + ssh.tunnel() + " exited with status " + process.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 250);
                return;
            } catch (IOException notYet) {
                // ssh opens its forwards once it is connected and authenticated
            }
            if (System.nanoTime() - deadline > 0) {
                throw fail("timed out after " + ssh.timeoutSeconds() + " s waiting for the tunnel through " + ssh.tunnel());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw fail("interrupted");
            }
        }
    }

    private static Fleetctl.Fail fail(String why) {
        return new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Unable to initialize client: failed initializing SSH client: " + why);
    }

    /** Ends the ssh child (its own process, by its handle). */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        Closer.end(process);
    }

    /** The shutdown hook: a class, not a lambda (nothing a short run does not need is linked). */
    private static final class Closer extends Thread {
        private final Process process;

        Closer(Process process) {
            super("fleetctl-tunnel-close");
            this.process = process;
        }

        @Override
        public void run() {
            end(process);
        }

        static void end(Process p) {
            if (!p.isAlive()) {
                return;
            }
            p.destroy();
            try {
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
