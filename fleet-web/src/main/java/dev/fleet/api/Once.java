package dev.fleet.api;

import java.util.function.Supplier;

/**
 * A value looked up on first use and then kept: for what the request path needs from the node (its store, settings,
 * readiness) without the EJB proxy on every request. A null (the node not started yet) is looked up again next time.
 */
public final class Once<T> {
    private final Supplier<T> lookup;
    private volatile T value;

    public Once(Supplier<T> lookup) {
        this.lookup = lookup;
    }

    public T get() {
        T v = value;
        if (v == null) {
            v = lookup.get();
            value = v;
        }
        return v;
    }
}
