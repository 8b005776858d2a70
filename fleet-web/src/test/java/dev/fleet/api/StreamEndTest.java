package dev.fleet.api;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Every way a stream ends (answered, timed out, container error, client gone; several at once) releases once. */
class StreamEndTest {

    @Test
    void everyEndPathReleasesTheTicketAndRunsCleanupsOnce() {
        Admission a = new Admission("watchers", 10, 10);
        StreamEnd end = new StreamEnd((Admission.Ticket) a.tryAcquire("alice"));
        AtomicInteger cancels = new AtomicInteger();
        AtomicInteger unhooks = new AtomicInteger();
        end.andThen(cancels::incrementAndGet);
        end.andThen(unhooks::incrementAndGet);
        assertThat(a.inUse("alice")).isEqualTo(1);
        end.run(); // e.g. the client's connection closed
        end.run(); // then Jersey's CompletionCallback
        end.run(); // and the servlet AsyncListener's onComplete
        assertThat(end.ended()).isTrue();
        assertThat(a.inUse()).isZero();
        assertThat(cancels).hasValue(1);
        assertThat(unhooks).hasValue(1);
    }

    @Test
    void aCleanupAddedAfterTheEndRunsAtOnce() {
        Admission a = new Admission("watchers", 10, 10);
        StreamEnd end = new StreamEnd((Admission.Ticket) a.tryAcquire("bob"));
        end.run(); // the client went away before the store watcher was registered
        AtomicInteger cancels = new AtomicInteger();
        end.andThen(cancels::incrementAndGet);
        assertThat(cancels).hasValue(1);
        assertThat(a.inUse()).isZero();
    }

    @Test
    void racingEndsReleaseOnce() throws Exception {
        Admission a = new Admission("journals", 1000, 1000);
        List<StreamEnd> ends = new ArrayList<>();
        AtomicInteger cleanups = new AtomicInteger();
        for (int i = 0; i < 500; i++) {
            StreamEnd e = new StreamEnd((Admission.Ticket) a.tryAcquire("c"));
            e.andThen(cleanups::incrementAndGet);
            ends.add(e);
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                ends.forEach(StreamEnd::run);
            });
            th.start();
            threads.add(th);
        }
        go.countDown();
        for (Thread th : threads) {
            th.join(10_000);
        }
        assertThat(a.inUse()).isZero();
        assertThat(cleanups).hasValue(500);
    }
}
