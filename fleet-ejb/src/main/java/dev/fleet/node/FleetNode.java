package dev.fleet.node;

import dev.fleet.store.raft.RaftStore;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.enterprise.concurrent.ManagedExecutorService;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This node's member of the replicated store, started with the application and closed with it.
 * Thin shell: the work is in {@link RaftStore} and {@link MemberDirectory}.
 */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED) // the store is not a JTA resource: no transaction per call
public class FleetNode {
    private static final Logger LOG = Logger.getLogger(FleetNode.class.getName());

    @Resource
    ManagedExecutorService executor;

    private NodeSettings settings;
    private RaftStore store;
    private MemberDirectory directory;
    private dev.fleet.registry.Registry registry;
    private volatile boolean ready;

    @PostConstruct
    void start() {
        // SIGTERM: Payara then waits for open requests (agents' long polls) for several seconds before it undeploys. Over
        // that time heartbeats are refused while the store's clock runs on, so without this flag the engine would see
        // presences expire and move units onto the machines that happen to be left (a unit ran twice once).
        Thread hook = new Thread(() -> stopping = true, "fleet-node-stopping");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            settings = NodeSettings.fromSystemProperties();
        } catch (IllegalArgumentException e) { // bin/fleet-node validates first; this is for -D properties set by hand
            System.err.println("fleet-node: " + e.getMessage());
            throw e;
        }
        LOG.info("fleet node " + settings.name() + ": " + settings.tuning().describe() + "; " + settings.limits().describe());
        LOG.info("fleet node " + settings.name() + ": RAFT channel: " + (settings.raftTls() == null ? "plain TCP"
                : "mutual TLS (" + settings.raftTls().keystore() + ", CA from " + settings.raftTls().truststore() + ")"));
        ClusterFile clusterFile = new ClusterFile(settings.dataDir());
        try {
            Map<String, InetSocketAddress> members = clusterFile.read().orElse(null);
            if (members == null && settings.join() != null) {
                members = ClusterJoin.join(settings.join(), settings);
            }
            if (members == null) {
                members = settings.members();
            }
            clusterFile.write(members);
            store = new RaftStore(settings.raftConfig(members), executor);
            store.start();
        } catch (Exception e) {
            throw new IllegalStateException("fleet node '" + settings.name() + "' could not start its store: " + e.getMessage(), e);
        }
        directory = new MemberDirectory(store, clusterFile, settings.requestTimeout());
        registry = new dev.fleet.registry.Registry(new RaftStorePort(store, settings.requestTimeout()),
                settings.limits().units(), settings.limits().machines());
        executor.submit(this::announceWhenReady);
    }

    /** Waits for a leader and for our own HTTP listener, publishes our URLs, then prints the one ready line. */
    private void announceWhenReady() {
        try {
            LOG.info("fleet node " + settings.name() + ": store started, waiting for a leader");
            while (store.leaderName() == null) {
                Thread.sleep(20);
            }
            publishSelf();
            directory.followChanges();
            if (System.getProperty("fleet.http.port") != null) {
                awaitHttp(URI.create(settings.clientUrl() + "/livez"), settings.httpTls());
            }
            ready = true;
            double secs = (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1000.0;
            System.out.printf("fleet-node ready: name=%s url=%s members=%s leader=%s data=%s ready-in=%.1fs%n",
                    settings.name(), settings.clientUrl(), String.join(",", store.members()), store.leaderName(),
                    settings.dataDir(), secs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "fleet node did not become ready", e);
        }
    }

    /** Publishes our URLs; retried, since a leader change can fail the first write. */
    private void publishSelf() throws InterruptedException {
        while (true) {
            try {
                directory.registerSelf(settings.name(), settings.peerUrl(), settings.clientUrl());
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.INFO, "fleet node " + settings.name() + ": publishing its URLs failed, retrying", e);
                Thread.sleep(200);
            }
        }
    }

    /** Polls our own liveness endpoint with a hard bound per attempt; says what it waits for every 10 s. */
    private static void awaitHttp(URI uri, NodeTls tls) throws InterruptedException {
        HttpClient http = NodeTls.client(tls, Duration.ofSeconds(2));
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last = "no answer yet";
        while (true) {
            var f = http.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            try {
                int status = f.get(3, TimeUnit.SECONDS).statusCode();
                if (status == 200) {
                    return;
                }
                last = "HTTP " + status;
            } catch (ExecutionException | TimeoutException e) {
                f.cancel(true);
                last = e.toString();
            }
            if (System.nanoTime() > nextReport) {
                LOG.info("fleet node still waiting for its HTTP listener at " + uri + ": " + last);
                nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            }
            Thread.sleep(50);
        }
    }

    private volatile boolean stopping;

    @PreDestroy
    void stop() {
        stopping = true; // from here on every API answers 503: a stopping node never answers from a store going away
        if (directory != null) {
            directory.stop();
        }
        if (store != null) {
            store.close();
        }
    }

    public RaftStore store() {
        return store;
    }

    /** fleet's units, machines, schedules and states over this node's store. */
    public dev.fleet.registry.Registry registry() {
        return registry;
    }

    public MemberDirectory members() {
        return directory;
    }

    public NodeSettings settings() {
        return settings;
    }

    /** True from the moment the JVM starts shutting down (SIGTERM): the node answers 503 and its engine stands by. */
    public boolean isStopping() {
        return stopping;
    }

    /** Readiness: a leader is known and this node has announced itself. */
    public boolean isReady() {
        return readyNow();
    }

    private boolean readyNow() {
        return !stopping && ready && store.leaderName() != null;
    }

    /**
     * {@link #isReady} as a plain function of this instance, for the request path: asked on every API request, it
     * need not go through the EJB container's per-call work (the fields it reads are volatile or final once started).
     */
    public java.util.function.BooleanSupplier readiness() {
        return this::readyNow;
    }
}
