package dev.fleet.api.v1;

import dev.fleet.node.FleetNode;
import dev.fleet.node.NodeTls;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * <p>With the node's TLS ({@link NodeTls#fromSystemProperties()} non-null) the agents are called over mutual TLS: https
 * URLs, one client presenting the node's certificate and trusting only the cluster CA (the JDK checks the agent
 * certificate's IP SAN against the address), and an answer is passed on only when the certificate is that machine's
 * agent's ({@link #peerProblem}); without it, plain http.
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
        if (tlsError() != null) {
            return FleetV1Resource.toResponse(ApiResponse.error(500, tlsError()), true);
        }
        return status(name, node, client(), https());
    }

    static Response status(String name, FleetNode node, HttpClient client) {
        return status(name, node, client, false);
    }

    /** {@code https}: the agents are called over TLS with {@code client} (built by {@link #newClient} from the node's TLS). */
    static Response status(String name, FleetNode node, HttpClient client, boolean https) {
        if (!node.isReady()) {
            return FleetV1Resource.notReady();
        }
        UnitAgents.StatusPlan[] plan = new UnitAgents.StatusPlan[1];
        ApiResponse early = FleetV1Resource.dispatch(() -> {
            plan[0] = new UnitAgents(node.registry(), https).planStatus(name);
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

    static CompletableFuture<UnitAgents.AgentAnswer> ask(HttpClient client, UnitAgents.Target t, String unit) {
        if (t.agent() == null) {
            return CompletableFuture.completedFuture(UnitAgents.AgentAnswer.failed(t.machineId(), t.problem()));
        }
        HttpRequest req = HttpRequest.newBuilder(t.status(unit)).timeout(STATUS_TIMEOUT)
                .header("Accept", "application/json").GET().build();
        return client.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .orTimeout(STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) // the body too, not only the headers
                .handle((r, e) -> {
                    if (e == null) {
                        Optional<String> wrong = peerProblem(t, r);
                        if (wrong.isPresent()) {
                            return UnitAgents.AgentAnswer.failed(t.machineId(), wrong.get()); // its body is not passed on
                        }
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

    /**
     * Empty when an agent's answer may be passed on: over plain http always; over https only when the agent presented
     * the certificate of the target's machine ({@link UnitAgents#agentCertificateProblem}: CN = machine ID, OU=agent).
     */
    static Optional<String> peerProblem(UnitAgents.Target t, HttpResponse<?> r) {
        if (!"https".equalsIgnoreCase(t.agent().getScheme())) {
            return Optional.empty();
        }
        Optional<SSLSession> session = r.sslSession();
        if (session.isEmpty()) {
            return Optional.of("agent at " + t.agent() + " answered without TLS");
        }
        String subject = null;
        try {
            java.security.cert.Certificate[] chain = session.get().getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof java.security.cert.X509Certificate x) {
                subject = x.getSubjectX500Principal().getName();
            }
        } catch (SSLPeerUnverifiedException e) {
            // no certificate: refused below
        }
        return UnitAgents.agentCertificateProblem(t.machineId(), subject);
    }

    /** One client for the node's calls to agents (its own connection pool and selector thread), with the node's TLS if any. */
    static HttpClient client() {
        return Agents.CLIENT;
    }

    /** Whether the node calls the agents over TLS: {@link NodeTls} is configured (also when it is configured wrongly). */
    static boolean https() {
        return Agents.TLS != null || Agents.TLS_ERROR != null;
    }

    /** Why the node's TLS cannot be used for the agents, or null. */
    static String tlsError() {
        return Agents.TLS_ERROR;
    }

    /**
     * A client for the agents: today's timeouts, HTTP/1.1, no redirects; with {@code tls}, it presents the node's
     * certificate and trusts only the cluster CA, TLS 1.3/1.2 (the JDK client still checks the agent's address
     * against its certificate's SANs).
     */
    static HttpClient newClient(NodeTls tls) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null) {
            SSLContext ctx = tls.sslContext();
            SSLParameters p = ctx.getDefaultSSLParameters();
            p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            b.sslContext(ctx).sslParameters(p);
        }
        return b.build();
    }

    private static final class Agents {
        static final NodeTls TLS;
        static final String TLS_ERROR;
        static final HttpClient CLIENT;

        static {
            NodeTls tls = null;
            String error = null;
            HttpClient client;
            try {
                tls = NodeTls.fromSystemProperties();
                client = newClient(tls);
            } catch (IllegalArgumentException e) {
                error = "the node's TLS for calls to agents: " + e.getMessage();
                client = newClient(null); // never used for an agent: every call answers the error
            }
            TLS = error == null ? tls : null;
            TLS_ERROR = error;
            CLIENT = client;
        }
    }
}
