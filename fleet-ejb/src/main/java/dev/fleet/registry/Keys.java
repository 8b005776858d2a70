package dev.fleet.registry;

/**
 * The registry's keyspace inside the store (hidden from etcd listings by the leading underscore). One
 * directory per concern, and one schedule directory per machine so that a change wakes only the machine
 * it concerns. See docs/registry.md.
 */
final class Keys {
    static final String ROOT = "/_fleet";
    /** unit name -> "HASH DESIRED TARGET|- G|-" (target and global flag; '-' = none). */
    static final String UNITS = ROOT + "/units";
    /** content hash -> canonical unit text; written with every unit that refers to it, collected by the engine. */
    static final String BODIES = ROOT + "/bodies";
    /** machine ID -> unit name -> "HASH DESIRED": what that machine must run. */
    static final String SCHEDULE = ROOT + "/schedule";
    /** global unit name -> "HASH DESIRED": every agent decides for itself. */
    static final String GLOBAL = ROOT + "/global";
    /** machine ID -> presence JSON, with the agent's TTL. */
    static final String MACHINES = ROOT + "/machines";
    /** machine ID -> key -> value ("" = deleted): dynamic metadata, kept when the machine leaves. */
    static final String METADATA = ROOT + "/metadata";
    /** machine ID -> unit name -> reported state JSON, with the agent's TTL. */
    static final String STATES = ROOT + "/states";
    /** unit name -> why the engine could not place it. */
    static final String UNPLACED = ROOT + "/unplaced";
    /** The engine's fence: rewritten by each new engine leader; every decision is conditional on its index. */
    static final String ENGINE = ROOT + "/engine";
    static final String ENGINE_LEADER = ENGINE + "/leader";

    private Keys() { }

    static String unit(String name) {
        return UNITS + "/" + name;
    }

    static String body(String hash) {
        return BODIES + "/" + hash;
    }

    static String schedule(String machine) {
        return SCHEDULE + "/" + machine;
    }

    static String schedule(String machine, String unit) {
        return SCHEDULE + "/" + machine + "/" + unit;
    }

    static String global(String unit) {
        return GLOBAL + "/" + unit;
    }

    static String machine(String id) {
        return MACHINES + "/" + id;
    }

    static String metadata(String id) {
        return METADATA + "/" + id;
    }

    static String states(String machine) {
        return STATES + "/" + machine;
    }

    static String state(String machine, String unit) {
        return STATES + "/" + machine + "/" + unit;
    }

    static String unplaced(String unit) {
        return UNPLACED + "/" + unit;
    }

    /** The last path segment. */
    static String leaf(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
