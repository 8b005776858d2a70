package dev.fleet.registry;

/** The result of a unit PUT, per fleet's decision table: created/replaced (201), updated (204) or refused. */
public sealed interface PutOutcome {
    record Created(boolean replaced) implements PutOutcome { }

    record Updated() implements PutOutcome { }

    /** Nothing was written; {@code status} is the HTTP status fleet answers with. */
    record Refused(int status, String message) implements PutOutcome { }
}
