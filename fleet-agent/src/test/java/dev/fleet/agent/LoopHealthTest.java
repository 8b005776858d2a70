package dev.fleet.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LoopHealthTest {
    final AtomicLong now = new AtomicLong(1_000);
    final LoopHealth health = new LoopHealth(Duration.ofSeconds(10), now::get);

    private void advance(long seconds) {
        now.addAndGet(Duration.ofSeconds(seconds).toNanos());
    }

    @Test
    void aLoopThatBeatsIsHealthy() {
        for (int i = 0; i < 10; i++) {
            advance(9);
            health.beat();
            assertThat(health.problem(true)).isEmpty();
        }
    }

    @Test
    void silenceBeyondTheBoundIsStuck() {
        advance(10);
        assertThat(health.problem(true)).isEmpty();
        advance(1);
        assertThat(health.problem(true)).hasValueSatisfying(p -> assertThat(p).contains("no sign of life for 11 s"));
    }

    @Test
    void aPassIsJudgedByItsOwnLengthAndEndsAsASignOfLife() {
        health.passStarted();
        advance(10);
        assertThat(health.problem(true)).isEmpty();
        advance(1);
        assertThat(health.problem(true)).hasValueSatisfying(p -> assertThat(p).contains("a reconcile pass has been running for 11 s"));
        health.passEnded();
        assertThat(health.problem(true)).isEmpty();
    }

    @Test
    void aPassWaitingBehindAStuckOneDoesNotHideIt() throws Exception {
        health.passStarted(); // this thread: stuck
        advance(6);
        Thread other = new Thread(() -> {
            health.passStarted();
            health.passEnded();
        });
        other.start();
        other.join();
        advance(5);
        assertThat(health.problem(true)).isPresent();
    }

    @Test
    void aDeadThreadOrAThrowableIsDeadAtOnce() {
        assertThat(health.problem(false)).hasValue("the schedule loop's thread is gone");
        health.died("the periodic pass", new OutOfMemoryError("Java heap space"));
        assertThat(health.problem(true)).hasValue("the periodic pass died: java.lang.OutOfMemoryError: Java heap space");
        health.died("the schedule loop", null);
        assertThat(health.problem(true)).as("the first verdict stays").hasValueSatisfying(p -> assertThat(p).startsWith("the periodic pass"));
    }
}
