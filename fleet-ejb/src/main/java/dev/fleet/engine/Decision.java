package dev.fleet.engine;

/** One engine decision, with the reason a user sees. */
public sealed interface Decision {
    String unit();

    String reason();

    /** Put {@code unit} on {@code machine}. */
    record Schedule(String unit, String machine, String reason) implements Decision { }

    /** Take {@code unit} off {@code machine} (it may be scheduled again later in the same plan). */
    record Unschedule(String unit, String machine, String reason) implements Decision { }

    /** {@code unit} wants to run but no machine can take it now. */
    record Unplaceable(String unit, String reason) implements Decision { }
}
