package dev.fleet.api.v1;

import dev.fleet.node.FleetNode;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Our extension of API v1: a unit's status, fetched from the agents of the machines it is on (fleet ran
 * systemctl over SSH). The thin HTTP shell around {@link UnitAgents}: it asks the agents in parallel with
 * connect and read timeouts. The class path is more specific than {@link FleetV1Resource}'s catch-all, so
 * JAX-RS routes it here; it names the whole path, because JAX-RS picks one resource class by its path first: a
 * class matching {@code /units/NAME} would take the unit's own GET, PUT and DELETE away from the catch-all.
 * The journal is streamed by {@link JournalFilter}.
 */
@ApplicationScoped
@Path("{prefix: fleet/v1|v1-alpha}/units/{name}/status")
public class UnitAgentResource {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** A status request to one agent: it runs systemctl status, normally in milliseconds. */
    static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);

    @EJB
    FleetNode node;

    @GET
    public Response status(@PathParam("name") String name) {
        return status(name, node, client());
    }

    static Response status(String name, FleetNode node, HttpClient client) {
        if (!node.isReady()) {
            return FleetV1Resource.notReady();
        }
        UnitAgents.StatusPlan[] plan = new UnitAgents.StatusPlan[1];
        ApiResponse early = FleetV1Resource.dispatch(() -> {
            plan[0] = new UnitAgents(node.registry()).planStatus(name);
            return plan[0].error();
        });
        if (early != null) {
            return FleetV1Resource.toResponse(early, true);
        }
        List<CompletableFuture<UnitAgents.AgentAnswer>> calls = new ArrayList<>();
        for (UnitAgents.Target t : plan[0].targets()) {
            calls.add(ask(client, t, plan[0].unit()));
        }
        List<UnitAgents.AgentAnswer> answers = new ArrayList<>();
        for (CompletableFuture<UnitAgents.AgentAnswer> c : calls) {
            answers.add(c.join()); // each one completes by itself within its timeout
        }
        return FleetV1Resource.toResponse(UnitAgents.statusResponse(plan[0], answers), true);
    }

    private static CompletableFuture<UnitAgents.AgentAnswer> ask(HttpClient client, UnitAgents.Target t, String unit) {
        if (t.agent() == null) {
            return CompletableFuture.completedFuture(UnitAgents.AgentAnswer.failed(t.machineId(), t.problem()));
        }
        HttpRequest req = HttpRequest.newBuilder(t.status(unit)).timeout(STATUS_TIMEOUT)
                .header("Accept", "application/json").GET().build();
        return client.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .orTimeout(STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) // the body too, not only the headers
                .handle((r, e) -> {
                    if (e == null) {
                        return UnitAgents.fromAgent(t.machineId(), r.statusCode(), r.body());
                    }
                    return UnitAgents.AgentAnswer.failed(t.machineId(), "agent at " + t.agent() + " did not answer: " + describe(e));
                });
    }

    static String describe(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof HttpTimeoutException || c instanceof TimeoutException) {
            return "no answer within " + STATUS_TIMEOUT.toSeconds() + " s";
        }
        if (c instanceof java.net.ConnectException) {
            return "connection refused or timed out";
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    /** One client for the node's calls to agents (its own connection pool and selector thread). */
    static HttpClient client() {
        return Agents.CLIENT;
    }

    private static final class Agents {
        static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
    }
}
