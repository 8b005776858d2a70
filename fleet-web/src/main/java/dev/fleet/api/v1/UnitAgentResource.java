package dev.fleet.api.v1;

import dev.fleet.node.FleetNode;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Our extension of API v1: a unit's status and journal, fetched from the agents of the machines it is on
 * (fleet ran systemctl/journalctl over SSH). The thin HTTP shell around {@link UnitAgents}: it asks the agents
 * in parallel with connect and read timeouts, and streams a journal through. Paths are more specific than
 * {@link FleetV1Resource}'s catch-all, so JAX-RS routes them here.
 */
@ApplicationScoped
@Path("{prefix: fleet/v1|v1-alpha}/units/{name}")
public class UnitAgentResource {
    private static final Logger LOG = Logger.getLogger(UnitAgentResource.class.getName());
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** A status request to one agent: it runs systemctl status, normally in milliseconds. */
    static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);
    /** Between two reads of a journal without follow (with follow there is none: the journal may stay quiet). */
    static final Duration JOURNAL_READ_TIMEOUT = Duration.ofSeconds(15);

    @EJB
    FleetNode node;

    private volatile HttpClient http;

    @GET
    @Path("status")
    public Response status(@PathParam("name") String name) {
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
            calls.add(ask(t, plan[0].unit()));
        }
        List<UnitAgents.AgentAnswer> answers = new ArrayList<>();
        for (CompletableFuture<UnitAgents.AgentAnswer> c : calls) {
            answers.add(c.join()); // each one completes by itself within its timeout
        }
        return FleetV1Resource.toResponse(UnitAgents.statusResponse(plan[0], answers), true);
    }

    private CompletableFuture<UnitAgents.AgentAnswer> ask(UnitAgents.Target t, String unit) {
        if (t.agent() == null) {
            return CompletableFuture.completedFuture(UnitAgents.AgentAnswer.failed(t.machineId(), t.problem()));
        }
        HttpRequest req = HttpRequest.newBuilder(t.status(unit)).timeout(STATUS_TIMEOUT)
                .header("Accept", "application/json").GET().build();
        return client().sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .orTimeout(STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) // the body too, not only the headers
                .handle((r, e) -> {
                    if (e == null) {
                        return UnitAgents.fromAgent(t.machineId(), r.statusCode(), r.body());
                    }
                    return UnitAgents.AgentAnswer.failed(t.machineId(), "agent at " + t.agent() + " did not answer: " + describe(e));
                });
    }

    private static String describe(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof HttpTimeoutException || c instanceof TimeoutException) {
            return "no answer within " + STATUS_TIMEOUT.toSeconds() + " s";
        }
        if (c instanceof java.net.ConnectException) {
            return "connection refused or timed out";
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    @GET
    @Path("journal")
    public Response journal(@PathParam("name") String name, @QueryParam("lines") String lines,
                            @QueryParam("follow") String follow, @QueryParam("machineID") String machineId) {
        if (!node.isReady()) {
            return FleetV1Resource.notReady();
        }
        UnitAgents.JournalPlan[] plan = new UnitAgents.JournalPlan[1];
        ApiResponse early = FleetV1Resource.dispatch(() -> {
            plan[0] = new UnitAgents(node.registry()).planJournal(name, lines, follow, machineId);
            return plan[0].error();
        });
        if (early != null) {
            return FleetV1Resource.toResponse(early, true);
        }
        UnitAgents.JournalPlan p = plan[0];
        // open upstream before answering, so that an unreachable agent is a clean 502 and not a cut stream
        HttpURLConnection upstream;
        InputStream in;
        try {
            upstream = (HttpURLConnection) p.upstream().toURL().openConnection();
            upstream.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            upstream.setReadTimeout(p.follow() ? 0 : (int) JOURNAL_READ_TIMEOUT.toMillis());
            upstream.setRequestProperty("Accept", "text/plain");
            int status = upstream.getResponseCode();
            if (status != 200) {
                InputStream es = upstream.getErrorStream();
                String body = es == null ? "" : new String(es.readAllBytes(), StandardCharsets.UTF_8);
                upstream.disconnect();
                UnitAgents.AgentAnswer a = UnitAgents.fromAgent(p.target().machineId(), status, body);
                return FleetV1Resource.toResponse(ApiResponse.error(status == 404 ? 404 : 502,
                        "machine " + p.target().machineId() + ": " + a.error()), true);
            }
            in = upstream.getInputStream();
        } catch (IOException e) {
            return FleetV1Resource.toResponse(ApiResponse.error(502, "machine " + p.target().machineId() + ": agent at "
                    + p.target().agent() + " did not answer: " + e), true);
        }
        StreamingOutput body = out -> pump(in, out, upstream);
        return Response.ok(body, "text/plain; charset=utf-8").header("Server", FleetV1Resource.SERVER)
                .header("Cache-Control", "no-cache").build();
    }

    /** Copies the agent's stream to the client, flushing each chunk; either side ending closes the other. */
    static void pump(InputStream in, OutputStream out, HttpURLConnection upstream) throws IOException {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush(); // a followed journal must reach the user line by line, not when a buffer fills
            }
        } catch (IOException clientOrAgentGone) {
            LOG.log(Level.FINE, "journal stream ended", clientOrAgentGone);
        } finally {
            upstream.disconnect(); // the user went away (or the agent ended): close the agent's connection too
        }
    }

    private HttpClient client() {
        HttpClient c = http;
        if (c == null) {
            synchronized (this) {
                if (http == null) {
                    http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1)
                            .followRedirects(HttpClient.Redirect.NEVER).build();
                }
                c = http;
            }
        }
        return c;
    }
}
