package dev.fleet.agent;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** The agent's log: one line per event on stderr (journald adds its own timestamps when run as a unit). */
public final class Log {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private final PrintStream out;
    private volatile boolean debug;

    public Log(PrintStream out, boolean debug) {
        this.out = out;
        this.debug = debug;
    }

    public void setDebug(boolean debug) {
        this.debug = debug;
    }

    public void info(String message) {
        out.println(LocalTime.now().format(TIME) + " " + message);
    }

    public void debug(String message) {
        if (debug) {
            info(message);
        }
    }
}
