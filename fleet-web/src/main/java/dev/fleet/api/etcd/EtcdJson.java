package dev.fleet.api.etcd;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.store.NodeView;
import dev.fleet.store.Result;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Map;

/** etcd v2's JSON shapes, field for field and in etcd's order, with its omit-empty rules. */
public final class EtcdJson {
    private static final JsonGeneratorFactory FACTORY = JSON.createGeneratorFactory(Map.of());

    private EtcdJson() { }

    public static byte[] event(Result.Event e, long now) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.write("action", e.action());
            if (e.node() != null) {
                g.writeKey("node");
                node(g, e.node(), now);
            }
            if (e.prevNode() != null) {
                g.writeKey("prevNode");
                node(g, e.prevNode(), now);
            }
            g.writeEnd();
        }
        return out.toByteArray();
    }

    public static byte[] error(ApiError e, long index) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.write("errorCode", e.errorCode());
            g.write("message", e.message());
            if (e.cause() != null && !e.cause().isEmpty()) {
                g.write("cause", e.cause());
            }
            g.write("index", index);
            g.writeEnd();
        }
        return out.toByteArray();
    }

    private static void node(JsonGenerator g, NodeView n, long now) {
        g.writeStartObject();
        if (!"/".equals(n.key())) { // etcd shows the root without a key
            g.write("key", n.key());
        }
        if (n.dir()) {
            g.write("dir", true);
        } else {
            g.write("value", n.value() == null ? "" : n.value());
        }
        if (n.expiration() != null) {
            g.write("expiration", Instant.ofEpochMilli(n.expiration()).toString());
            g.write("ttl", ttlSeconds(n.expiration(), now));
        }
        if (n.nodes() != null && !n.nodes().isEmpty()) {
            g.writeStartArray("nodes");
            for (NodeView child : n.nodes()) {
                node(g, child, now);
            }
            g.writeEnd();
        }
        if (n.modifiedIndex() != 0) {
            g.write("modifiedIndex", n.modifiedIndex());
        }
        if (n.createdIndex() != 0) {
            g.write("createdIndex", n.createdIndex());
        }
        g.writeEnd();
    }

    /** Remaining seconds, rounded up as etcd does; at least 1 while the key still exists. */
    static long ttlSeconds(long expiration, long now) {
        long ms = expiration - now;
        return ms <= 0 ? 1 : (ms + 999) / 1000;
    }
}
