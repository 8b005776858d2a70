package dev.fleet.cli;

import dev.fleet.client.FleetClient;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A listing verb's API reads, started before picocli has parsed the command line, so that picocli's set-up (about
 * 50 ms) runs alongside the reads' own (JSON-P's first use, about 25 ms, itself alongside the first HTTP exchange)
 * instead of before it ({@code docs/fleetctl.md}). This is a guess from a plain scan of the arguments and environment: the
 * client picocli's options then ask for is used only when its endpoints and timeout are exactly the guessed ones
 * (see {@link Fleetctl#client()}); otherwise the reads are simply not used. Reads only (GETs of listings), never
 * with {@code --debug} (whose log must show each request where it happens) nor {@code --tunnel}.
 */
record EarlyListing(String endpoints, String timeout, List<String> paths) {
    static final String DEFAULT_ENDPOINT = "http://127.0.0.1:4001";
    static final String DEFAULT_REQUEST_TIMEOUT = "3.0";

    /** The API listings each list verb reads (the machines give the legend of the machine column). */
    private static final Map<String, List<String>> READS = Map.of(
            "list-units", List.of(FleetClient.STATES, FleetClient.MACHINES),
            "list-unit-files", List.of(FleetClient.UNITS, FleetClient.MACHINES),
            "list-machines", List.of(FleetClient.MACHINES));

    /** What to read early for {@code args}, if they name a list verb in full and do not ask for debug output. */
    static Optional<EarlyListing> plan(String[] args, Map<String, String> env) {
        String verb = Fleetctl.verbNamedIn(args); // the same reading of the arguments that builds the command line
        List<String> paths = verb == null ? null : READS.get(verb);
        // never with --tunnel (the reads must wait for the tunnel, and go through it), nor with TLS files (the reads
        // need them: https is read by the client that has them)
        if (paths == null || !env.getOrDefault("FLEETCTL_DEBUG", "").isEmpty() || !env.getOrDefault("FLEETCTL_TUNNEL", "").isEmpty()
                || !(env.getOrDefault("FLEETCTL_CA_FILE", "") + env.getOrDefault("FLEETCTL_CERT_FILE", "")
                        + env.getOrDefault("FLEETCTL_KEY_FILE", "") + env.getOrDefault("FLEETCTL_TOKEN", "")).isEmpty()) {
            return Optional.empty();
        }
        String endpoints = env.getOrDefault("FLEETCTL_ENDPOINT", DEFAULT_ENDPOINT);
        String timeout = env.getOrDefault("FLEETCTL_REQUEST_TIMEOUT", DEFAULT_REQUEST_TIMEOUT);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--debug") || a.startsWith("--tunnel") || a.equals("--") || a.startsWith("--ca-file")
                    || a.startsWith("--cert-file") || a.startsWith("--key-file") || a.startsWith("--token") || a.startsWith("--etcd-")) {
                return Optional.empty();
            } else if (a.equals("--endpoint") || a.equals("--request-timeout")) {
                if (++i >= args.length) {
                    return Optional.empty();
                }
                if (a.equals("--endpoint")) {
                    endpoints = args[i];
                } else {
                    timeout = args[i];
                }
            } else if (a.startsWith("--endpoint=")) {
                endpoints = a.substring("--endpoint=".length());
            } else if (a.startsWith("--request-timeout=")) {
                timeout = a.substring("--request-timeout=".length());
            }
        }
        return Optional.of(new EarlyListing(endpoints, timeout, paths));
    }

    /**
     * {@link #plan} then {@link #start}, or null: what {@code main} (and the training run, so that the archive holds
     * the very same code) calls first. Written without a lambda: the first lambda a JVM links that the class-data
     * archive does not hold costs about 15 ms of method-handle spinning, in front of everything else.
     */
    static java.util.concurrent.Future<FleetClient> startFor(String[] args, Map<String, String> env) {
        Optional<EarlyListing> plan = plan(args, env);
        return plan.isPresent() ? plan.get().start() : null;
    }

    /**
     * Starts the reads on a daemon thread and returns at once: even setting up the client (the JSON provider, URI
     * parsing) takes tens of milliseconds that belong on that thread, not in front of picocli. The future holds the
     * client with its reads under way, or null when the guessed options are not even valid.
     */
    java.util.concurrent.Future<FleetClient> start() {
        java.util.concurrent.FutureTask<FleetClient> task = new java.util.concurrent.FutureTask<>(() -> {
            try {
                List<URI> eps = FleetClient.parseEndpoints(endpoints);
                double seconds = Double.parseDouble(timeout);
                if (!(seconds > 0)) {
                    return null;
                }
                FleetClient client = Fleetctl.newClient(eps, Fleetctl.requestTimeout(seconds), null);
                paths.forEach(client::readEarly);
                return client;
            } catch (IllegalArgumentException e) {
                return null; // picocli and Fleetctl.client() report it
            }
        });
        Json.setUpAhead();
        Thread t = new Thread(task, "fleetctl-early");
        t.setDaemon(true);
        t.start();
        return task;
    }

    /** The client {@code started} set up, or null. */
    static FleetClient await(java.util.concurrent.Future<FleetClient> started) {
        try {
            return started.get();
        } catch (java.util.concurrent.ExecutionException e) {
            return null; // the regular client reports whatever went wrong
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Whether {@code early} is the client {@link Fleetctl#newClient} would make for these options. */
    static boolean sameOptions(FleetClient early, List<URI> endpoints, Duration timeout, boolean debug) {
        return !debug && early != null && early.endpoints().equals(endpoints) && early.connectTimeout().equals(timeout)
                && early.readTimeout().equals(timeout);
    }
}
