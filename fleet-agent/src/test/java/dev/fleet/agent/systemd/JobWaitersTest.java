package dev.fleet.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class JobWaitersTest {

    private final JobWaiters jobs = new JobWaiters(Runnable::run);

    @Test
    void jobRemovedAfterTheCallReturnedCompletesItsFuture() {
        jobs.callStarted();
        CompletableFuture<String> job = jobs.callReturned("/job/1");
        assertThat(job).isNotDone();
        jobs.jobRemoved("/job/2", "done"); // another job
        assertThat(job).isNotDone();
        jobs.jobRemoved("/job/1", "failed");
        assertThat(job).isCompletedWithValue("failed");
        assertThat(jobs.pendingCount()).isZero();
    }

    @Test
    void jobRemovedBeforeTheCallReturnedIsKeptForIt() {
        jobs.callStarted();
        jobs.jobRemoved("/job/7", "done");
        assertThat(jobs.callReturned("/job/7")).isCompletedWithValue("done");
        assertThat(jobs.pendingCount()).isZero();
    }

    @Test
    void resultsOfOtherJobsAreNotKeptWhenNoCallIsInFlight() {
        jobs.jobRemoved("/job/9", "done");
        jobs.callStarted();
        jobs.jobRemoved("/job/10", "done");
        jobs.callFailed();
        assertThat(jobs.pendingCount()).isZero();
    }

    @Test
    void earlyResultsAreBoundedWhileCallsStayInFlight() {
        jobs.callStarted();
        for (int i = 0; i < JobWaiters.MAX_EARLY_RESULTS + 100; i++) {
            jobs.jobRemoved("/job/other/" + i, "done");
        }
        assertThat(jobs.pendingCount()).isEqualTo(JobWaiters.MAX_EARLY_RESULTS);
    }

    @Test
    void aJobSystemdMergedIsOneFuture() {
        jobs.callStarted();
        jobs.callStarted();
        CompletableFuture<String> first = jobs.callReturned("/job/3");
        CompletableFuture<String> second = jobs.callReturned("/job/3");
        assertThat(second).isSameAs(first);
        jobs.jobRemoved("/job/3", "done");
        assertThat(first).isCompletedWithValue("done");
    }

    @Test
    void aLostConnectionFailsWaitingJobsAndLaterOnes() {
        jobs.callStarted();
        CompletableFuture<String> job = jobs.callReturned("/job/4");
        RuntimeException gone = new RuntimeException("bus gone");
        jobs.failAll(gone);
        assertThat(job).isCompletedExceptionally();
        jobs.callStarted();
        assertThat(jobs.callReturned("/job/5")).isCompletedExceptionally();
    }
}
