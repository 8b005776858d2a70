package dev.fleet.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** All APIs hang off the root: etcd's /v2/..., health checks, and (later) fleet's /fleet/v1. */
@ApplicationPath("/")
public class FleetApplication extends Application {
}
