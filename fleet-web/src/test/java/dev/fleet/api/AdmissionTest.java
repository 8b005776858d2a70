package dev.fleet.api;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdmissionTest {

    private static Admission.Ticket ticket(Admission a, String client) {
        Admission.Outcome o = a.tryAcquire(client);
        assertThat(o).isInstanceOf(Admission.Ticket.class);
        return (Admission.Ticket) o;
    }

    @Test
    void perClientLimitIs429WithRetryAfter() {
        Admission a = new Admission("watchers", 10, 2);
        ticket(a, "alice");
        ticket(a, "alice");
        Admission.Outcome third = a.tryAcquire("alice");
        assertThat(third).isEqualTo(new Admission.Refused(429, "too many watchers for alice (limit 2 per client)", Admission.RETRY_AFTER_SECONDS));
        assertThat(a.inUse("alice")).isEqualTo(2);
        assertThat(a.inUse()).isEqualTo(2);
        ticket(a, "bob"); // another client is not affected
    }

    @Test
    void perNodeLimitIs503() {
        Admission a = new Admission("journals", 3, 2);
        ticket(a, "a");
        ticket(a, "b");
        ticket(a, "c");
        Admission.Outcome o = a.tryAcquire("d");
        assertThat(o).isEqualTo(new Admission.Refused(503, "too many journals on this node (limit 3)", Admission.RETRY_AFTER_SECONDS));
        assertThat(a.inUse()).isEqualTo(3);
        assertThat(a.inUse("d")).isZero();
    }

    @Test
    void theClientsOwnLimitIsReportedFirst() {
        Admission a = new Admission("watchers", 2, 2);
        ticket(a, "a");
        ticket(a, "a");
        assertThat(((Admission.Refused) a.tryAcquire("a")).status()).isEqualTo(429);
        assertThat(((Admission.Refused) a.tryAcquire("b")).status()).isEqualTo(503);
    }

    @Test
    void releaseCountsOnceHoweverOftenItIsCalled() {
        Admission a = new Admission("watchers", 1, 1);
        Admission.Ticket t = ticket(a, "alice");
        assertThat(t.release()).isTrue();
        assertThat(t.release()).isFalse();
        assertThat(t.released()).isTrue();
        assertThat(a.inUse()).isZero();
        assertThat(a.clients()).isZero();
        Admission.Ticket again = ticket(a, "alice"); // the place is free again, and only one
        assertThat(a.tryAcquire("bob")).isInstanceOf(Admission.Refused.class);
        again.release();
        assertThat(a.inUse()).isZero();
    }

    @Test
    void aNullClientCountsAsOne() {
        Admission a = new Admission("watchers", 5, 1);
        ticket(a, null);
        assertThat(a.tryAcquire(null)).isInstanceOf(Admission.Refused.class);
        assertThat(a.inUse(null)).isEqualTo(1);
    }

    @Test
    void concurrentAcquireAndReleaseNeverExceedTheLimitAndEndAtZero() throws Exception {
        Admission a = new Admission("watchers", 50, 20);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                String client = "c" + (w % 3);
                done.add(pool.submit(() -> {
                    int admitted = 0;
                    for (int i = 0; i < 5_000; i++) {
                        if (a.tryAcquire(client) instanceof Admission.Ticket t) {
                            admitted++;
                            assertThat(a.inUse()).isLessThanOrEqualTo(50);
                            assertThat(a.inUse(client)).isLessThanOrEqualTo(20);
                            t.release();
                            t.release();
                        }
                    }
                    return admitted;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get(10, TimeUnit.SECONDS);
            }
            assertThat(total).isPositive();
            assertThat(a.inUse()).isZero();
            assertThat(a.clients()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void limitsBelowOneAreRefused() {
        assertThatThrownBy(() -> new Admission("watchers", 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StreamLimits(1, 1, 1, 1, 0)).hasMessageContaining("fleet.limits.longPollSeconds");
    }

    @Test
    void limitsComeFromTheDocumentedPropertiesWithTheirDefaults() {
        assertThat(StreamLimits.DEFAULTS).isEqualTo(new StreamLimits(10_000, 2_500, 512, 300, 300));
        String old = System.getProperty(StreamLimits.WATCHERS_PER_CLIENT);
        System.setProperty(StreamLimits.WATCHERS_PER_CLIENT, "7");
        try {
            assertThat(StreamLimits.fromSystemProperties()).isEqualTo(new StreamLimits(10_000, 7, 512, 300, 300));
        } finally {
            if (old == null) {
                System.clearProperty(StreamLimits.WATCHERS_PER_CLIENT);
            } else {
                System.setProperty(StreamLimits.WATCHERS_PER_CLIENT, old);
            }
        }
    }

    @Test
    void theClientIsTheIdentityElseTheAddress() {
        assertThat(Streams.clientOf("client:alice(operate)", "10.0.0.1")).isEqualTo("client:alice(operate)");
        assertThat(Streams.clientOf("anonymous", "10.0.0.1")).isEqualTo("10.0.0.1");
        assertThat(Streams.clientOf(null, "10.0.0.1")).isEqualTo("10.0.0.1");
        assertThat(Streams.clientOf(null, null)).isEqualTo("unknown");
    }
}
