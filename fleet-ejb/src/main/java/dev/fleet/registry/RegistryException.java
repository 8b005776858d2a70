package dev.fleet.registry;

/** A registry operation that could not complete (store unavailable, too much contention); nothing was half-applied. */
public class RegistryException extends RuntimeException {
    public RegistryException(String message) {
        super(message);
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
