package dev.fleet.api.v1;

import dev.fleet.api.Once;
import dev.fleet.api.Reply;
import dev.fleet.engine.EngineService;
import dev.fleet.node.FleetNode;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * fleet's API v1 for the HTTP adapters (the direct servlet path and {@link FleetV1Resource}): the node's readiness,
 * one {@link FleetApi} over its registry, and fleet's answer to store trouble. No HTTP types.
 */
@ApplicationScoped
public class FleetV1Service {
    @EJB
    FleetNode node;

    @EJB
    EngineService engine;

    private final Once<FleetApi> api = new Once<>(() ->
            new FleetApi(node.registry(), engine::nudge, node.settings().tuning().tokenLimit(), node.settings().limits()));
    private final Once<BooleanSupplier> ready = new Once<>(() -> node.readiness());

    public Reply handle(String method, String rawPath, String rawQuery, List<String> contentTypes, byte[] body) {
        if (!ready.get().getAsBoolean()) { // as fleet: 503 without the Server header until the store is reachable
            return FleetV1Resource.notReadyReply();
        }
        ApiRequest req = new ApiRequest(method, rawPath, rawQuery, contentTypes, body);
        return FleetV1Resource.reply(FleetV1Resource.dispatch(() -> api.get().handle(req)), true);
    }
}
