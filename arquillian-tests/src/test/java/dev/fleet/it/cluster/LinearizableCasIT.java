package dev.fleet.it.cluster;

import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.linearizability.History;
import dev.fleet.testkit.linearizability.LinearizabilityChecker;
import dev.fleet.testkit.linearizability.LinearizabilityResult;
import dev.fleet.testkit.linearizability.Op;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fleet.it.cluster.ClusterSupport.leader;
import static dev.fleet.it.cluster.ClusterSupport.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario: six clients spread over the three nodes issue reads (quorum), writes and compare-and-swaps on
 * three keys while the leader is killed with SIGKILL. The recorded history of acknowledged operations must
 * be linearizable (ops without an answer may or may not have happened).
 */
class LinearizableCasIT {
    private static final String[] KEYS = {"/lin/a", "/lin/b", "/lin/c"};
    /** Acknowledged operations wanted before the fault, and again after it. */
    private static final int OPS_PER_PHASE = 300;
    private FleetCluster cluster;

    @AfterEach
    void shutdown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void compareAndSwapHistoryAcrossALeaderKillIsLinearizable() throws Exception {
        cluster = FleetCluster.start(ClusterSupport.workDir("linearizable"), 3);
        List<FleetNodeProcess> nodes = cluster.nodes();
        History history = new History();
        for (String k : KEYS) {
            History.Pending p = history.invokeWrite(0, k, "0");
            assertThat(ClusterSupport.client(nodes.get(0)).put(k, "0").isSuccess()).isTrue();
            p.ok();
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger okAfterKill = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 1; c <= 6; c++) {
            int process = c;
            clients.add(pool.submit(() -> runClient(process, nodes, history, stop, ok, okAfterKill)));
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> ok.get() >= OPS_PER_PHASE);
        FleetNodeProcess victim = leader(cluster);
        assertThat(victim).isNotNull();
        victim.kill();
        log("killed leader %s (pid %d) after %d acknowledged operations", victim.name(), victim.pid(), ok.get());
        await().atMost(Duration.ofMinutes(2)).until(() -> okAfterKill.get() >= OPS_PER_PHASE);
        stop.set(true);
        for (Future<?> f : clients) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdownNow();

        List<Op> ops = history.ops();
        LinearizabilityResult result = LinearizabilityChecker.builder().build().check(ops);
        log("%d operations, %d acknowledged (%d after the kill): %s", ops.size(), ok.get(), okAfterKill.get(), result.verdict());
        assertThat(result.isLinearizable()).as("%s", result).isTrue();
    }

    /** One client: random ops on random keys; sticks to one node and moves on when it stops answering. */
    private static void runClient(int process, List<FleetNodeProcess> nodes, History history, AtomicBoolean stop,
                                  AtomicInteger ok, AtomicInteger okAfterKill) {
        Random rnd = new Random(process);
        int nodeIndex = process % nodes.size();
        int seq = 0;
        var http = EtcdV2Client.newHttpClient();
        List<EtcdV2Client> perNode = nodes.stream().map(n -> new EtcdV2Client(n.url(), http, Duration.ofSeconds(6))).toList();
        while (!stop.get()) {
            FleetNodeProcess node = nodes.get(nodeIndex);
            if (!node.isAlive()) {
                nodeIndex = (nodeIndex + 1) % nodes.size();
                continue;
            }
            EtcdV2Client client = perNode.get(nodeIndex);
            String key = KEYS[rnd.nextInt(KEYS.length)];
            int kind = rnd.nextInt(3);
            String value = process + "-" + (seq++);
            History.Pending p;
            try {
                EtcdV2Client.Response r;
                if (kind == 0) {
                    p = history.invokeRead(process, key);
                    r = client.get(key, false, true);
                    if (r.isSuccess()) {
                        p.okRead(r.value());
                    } else if (r.isError(100)) {
                        p.okRead(null);
                    } else {
                        p.unknown();
                        continue;
                    }
                } else if (kind == 1) {
                    p = history.invokeWrite(process, key, value);
                    r = client.put(key, value);
                    if (r.isSuccess()) {
                        p.ok();
                    } else {
                        p.unknown();
                        continue;
                    }
                } else {
                    String expected = Integer.toString(rnd.nextInt(2)).equals("0") ? lastSeen(client, key) : "0";
                    if (expected == null) {
                        continue;
                    }
                    p = history.invokeCas(process, key, expected, value);
                    r = client.put(key, value, EtcdV2Client.PutOptions.none().prevValue(expected));
                    if (r.isSuccess()) {
                        p.ok();
                    } else if (r.isError(101) || r.isError(100)) {
                        p.failed();
                    } else {
                        p.unknown();
                        continue;
                    }
                }
                ok.incrementAndGet();
                if (!nodes.stream().allMatch(FleetNodeProcess::isAlive)) {
                    okAfterKill.incrementAndGet();
                }
            } catch (IOException e) {
                // no answer: recorded as unknown by History (never completed); try another node
                nodeIndex = (nodeIndex + 1) % nodes.size();
            }
        }
    }

    /** A plain (local) read to pick a plausible expected value; not part of the checked history. */
    private static String lastSeen(EtcdV2Client client, String key) {
        try {
            return client.get(key).value();
        } catch (IOException e) {
            return null;
        }
    }
}
