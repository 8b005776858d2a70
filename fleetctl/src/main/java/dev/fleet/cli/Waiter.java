package dev.fleet.cli;

import java.util.function.BooleanSupplier;

/**
 * The one wait of the blocking verbs (load, start, stop, unload, destroy, restart): a condition over the API's
 * units or states, polled every 250 ms for {@code --block-attempts} attempts of about 2 s each (§1.4). The condition
 * prints whatever its verb reports as the units get there; the verb prints what a timeout means.
 */
final class Waiter {
    static final long POLL_MS = 250;
    static final long ATTEMPT_MS = 2000;

    private Waiter() {
    }

    /**
     * Polls {@code done} until it holds (true) or {@code attempts} attempts have passed (false); 0 attempts waits
     * forever. It is looked at once more when an attempt's time is up, so that a timeout is a fresh answer.
     */
    static boolean until(int attempts, BooleanSupplier done) {
        for (int attempt = 1; attempts == 0 || attempt <= attempts; attempt++) {
            long deadline = System.nanoTime() + ATTEMPT_MS * 1_000_000;
            while (true) {
                if (done.getAsBoolean()) {
                    return true;
                }
                if (System.nanoTime() >= deadline) {
                    break;
                }
                sleep(POLL_MS);
            }
        }
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "interrupted");
        }
    }
}
