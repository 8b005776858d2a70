package dev.fleet.model;

/** The product version that nodes, agents and fleetctl report (kept equal to the Maven project version). */
public final class FleetVersion {
    public static final String VERSION = "0.1.0";

    private FleetVersion() { }
}
