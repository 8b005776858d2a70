package dev.fleet.unit;

/** A unit file that cannot be parsed. The message is what fleet's users see (API 400, fleetctl). */
public class UnitFileException extends IllegalArgumentException {
    private final int line;

    public UnitFileException(String message) {
        this(message, 0);
    }

    public UnitFileException(String message, int line) {
        super(message);
        this.line = line;
    }

    /** 1-based line of the problem, or 0 when it is not tied to one line. */
    public int line() {
        return line;
    }
}
