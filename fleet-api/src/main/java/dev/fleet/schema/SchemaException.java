package dev.fleet.schema;

/** A JSON document that is not the entity it should be; the message says what is wrong (no stack trace kept). */
public final class SchemaException extends RuntimeException {
    public SchemaException(String message) {
        super(message, null, false, false);
    }
}
