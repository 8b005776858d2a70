package dev.fleet.ca;

/** A mistake of the caller's (bad input, a missing CA, a file that would be overwritten): one line, exit 2. */
public final class UsageError extends RuntimeException {
    public UsageError(String message) {
        super(message, null, false, false);
    }
}
