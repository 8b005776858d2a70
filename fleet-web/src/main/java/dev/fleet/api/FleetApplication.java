package dev.fleet.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

import java.util.Map;

/**
 * All APIs hang off the root: etcd's /v2/..., health checks, and fleet's /fleet/v1. Jersey starts without what fleet
 * does not use: no WADL, and no Bean Validation (no resource has a constraint, and Hibernate Validator's bootstrap showed in
 * the boot's profile; docs/performance.md). OPTIONS then answers a plain Allow list, not a WADL document.
 */
@ApplicationPath("/")
public class FleetApplication extends Application {
    @Override
    public Map<String, Object> getProperties() {
        return Map.of("jersey.config.server.wadl.disableWadl", true,
                "jersey.config.beanValidation.disable.server", true);
    }
}
