package dev.fleet.ca;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** fleet-ca in this JVM: exit code, stdout, stderr. */
record Run(int code, String out, String err) {
    static Run of(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = FleetCa.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8), Map.of());
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    Run ok() {
        if (code != 0) {
            throw new AssertionError("exit " + code + ": " + err);
        }
        return this;
    }
}
