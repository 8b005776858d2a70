package dev.fleet.testkit.linearizability;

import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.EtcdV2Client.Response;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A concurrent read / write / compare-and-swap workload on a few keys of an etcd-v2-compatible cluster, recorded as a
 * {@link History} for {@link LinearizabilityChecker}. Works against any {@code /v2/keys} API: etcd or ours.
 *
 * <p>Mapping to the register model: read = {@code GET} (with {@code quorum=true} by default: etcd v2 serves plain
 * GETs from the member's local state, which may be stale); write = {@code PUT}; CAS = {@code PUT prevValue=e}, or
 * {@code PUT prevExist=false} when the client last saw the key missing. Errors 101 (compare failed), 100 (key not
 * found, on a CAS) and 105 (exists, on a create) are failed CAS operations; a {@link ConnectException} means not
 * sent (failed); any other transport error or timeout, and any other error answer to a write, is unknown.
 *
 * <pre>{@code
 * History h = RegisterWorkload.builder().build().run(cluster.clientUrls());
 * LinearizabilityResult r = LinearizabilityChecker.checkHistory(h.ops());
 * }</pre>
 */
public final class RegisterWorkload {

    private final int keys;
    private final int clients;
    private final int opsPerClient;
    private final boolean quorumReads;
    private final Duration requestTimeout;
    private final long seed;
    private final String keyPrefix;

    private RegisterWorkload(Builder b) {
        this.keys = b.keys;
        this.clients = b.clients;
        this.opsPerClient = b.opsPerClient;
        this.quorumReads = b.quorumReads;
        this.requestTimeout = b.requestTimeout;
        this.seed = b.seed;
        this.keyPrefix = b.keyPrefix != null ? b.keyPrefix
                : "/linearizability/" + Long.toString(System.currentTimeMillis(), 36);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int keys = 5;
        private int clients = 6;
        private int opsPerClient = 350;
        private boolean quorumReads = true;
        private Duration requestTimeout = Duration.ofSeconds(2);
        private long seed = 1;
        private String keyPrefix;

        public Builder keys(int n) {
            this.keys = n;
            return this;
        }

        public Builder clients(int n) {
            this.clients = n;
            return this;
        }

        public Builder opsPerClient(int n) {
            this.opsPerClient = n;
            return this;
        }

        /** false: plain GETs (served by the member from its local state; not linearizable in etcd v2). */
        public Builder quorumReads(boolean b) {
            this.quorumReads = b;
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        /** Seeds each client's choice of operation, key and member. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Keys are {@code prefix/k0 ... prefix/k(n-1)}; default a fresh {@code /linearizability/<time>}. */
        public Builder keyPrefix(String p) {
            this.keyPrefix = p;
            return this;
        }

        public RegisterWorkload build() {
            return new RegisterWorkload(this);
        }
    }

    /** The keys this workload uses (histories name them so). */
    public List<String> keys() {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < keys; k++) out.add(keyPrefix + "/k" + k);
        return out;
    }

    /**
     * Runs all clients to completion (each op is bounded by the request timeout) and returns the history.
     *
     * @param urls the members; each operation goes to a member chosen at random
     */
    public History run(List<URI> urls) throws InterruptedException {
        History history = new History();
        List<String> keyNames = keys();
        Thread[] threads = new Thread[clients];
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads[c] = new Thread(() -> runClient(client, urls, keyNames, history), "register-client-" + c);
            threads[c].start();
        }
        long perThreadBound = (requestTimeout.toMillis() + 100) * (long) opsPerClient + 10_000;
        for (Thread t : threads) {
            t.join(perThreadBound);
            if (t.isAlive()) {
                t.interrupt();
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
        return history;
    }

    private void runClient(int client, List<URI> urls, List<String> keyNames, History history) {
        Random rnd = new Random(seed * 1_000_003 + client);
        HttpClient http = EtcdV2Client.newHttpClient();
        List<EtcdV2Client> members = new ArrayList<>();
        for (URI u : urls) members.add(new EtcdV2Client(u, http, requestTimeout));
        String[] lastSeen = new String[keyNames.size()];
        for (int i = 0; i < opsPerClient && !Thread.currentThread().isInterrupted(); i++) {
            EtcdV2Client c = members.get(rnd.nextInt(members.size()));
            int k = rnd.nextInt(keyNames.size());
            String key = keyNames.get(k);
            String value = "c" + client + "-" + i;
            int dice = rnd.nextInt(10);
            if (dice < 4) {
                History.Pending p = history.invokeRead(client, key);
                try {
                    Response r = c.get(key, false, quorumReads);
                    if (r.isSuccess()) {
                        p.okRead(r.value());
                        lastSeen[k] = r.value();
                    } else if (r.isError(100)) {
                        p.okRead(null);
                        lastSeen[k] = null;
                    } else {
                        p.unknown(); // a read that failed tells nothing
                    }
                } catch (IOException e) {
                    p.unknown();
                }
            } else if (dice < 7) {
                History.Pending p = history.invokeWrite(client, key, value);
                try {
                    Response r = c.put(key, value);
                    if (r.isSuccess()) p.ok();
                    else p.unknown();
                } catch (ConnectException e) {
                    p.failed();
                } catch (IOException e) {
                    p.unknown();
                }
            } else {
                String expected = lastSeen[k];
                History.Pending p = history.invokeCas(client, key, expected, value);
                try {
                    Response r = expected == null ? c.create(key, value) : c.compareAndSwap(key, expected, value);
                    if (r.isSuccess()) {
                        p.ok();
                        lastSeen[k] = value;
                    } else if (r.isError(101) || r.isError(100) || r.isError(105)) {
                        p.failed();
                    } else {
                        p.unknown();
                    }
                } catch (ConnectException e) {
                    p.failed();
                } catch (IOException e) {
                    p.unknown();
                }
            }
        }
    }
}
