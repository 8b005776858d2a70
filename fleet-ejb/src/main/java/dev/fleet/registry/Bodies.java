package dev.fleet.registry;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitOption;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Unit bodies are stored as their option list (JSON), not as text: the canonical text is what the hash
 * covers, but re-parsing it could read a value that ends in a backslash as a continuation line.
 */
final class Bodies {
    private Bodies() { }

    static String encode(UnitFile file) {
        JsonArrayBuilder a = JSON.createArrayBuilder();
        for (UnitOption o : file.options()) {
            a.add(JSON.createArrayBuilder().add(o.section()).add(o.name()).add(o.value()));
        }
        return a.build().toString();
    }

    static UnitFile decode(String value) {
        List<UnitOption> options = new ArrayList<>();
        for (JsonValue v : JSON.createReader(new StringReader(value)).readArray()) {
            var t = v.asJsonArray();
            options.add(new UnitOption(t.getString(0), t.getString(1), t.getString(2)));
        }
        return UnitFile.of(options);
    }

}
