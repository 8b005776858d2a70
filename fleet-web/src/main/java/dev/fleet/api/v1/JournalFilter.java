package dev.fleet.api.v1;

import dev.fleet.node.FleetNode;
import jakarta.ejb.EJB;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /fleet/v1/units/NAME/journal}: the unit's journal, streamed from the agent of its machine to the
 * user, each chunk flushed as it arrives. A servlet filter, not a JAX-RS resource: Jersey buffers the first
 * 8 KiB of every JAX-RS entity (to send a Content-Length) and ignores flush() until then, so a StreamingOutput
 * would hold a followed journal's first lines in the node; only an application-wide property switches that off.
 * Every other request passes through untouched. What to stream from where is decided by {@link UnitAgents}.
 */
@WebFilter(urlPatterns = {"/fleet/v1/units/*", "/v1-alpha/units/*"})
public class JournalFilter extends HttpFilter {
    private static final Logger LOG = Logger.getLogger(JournalFilter.class.getName());
    private static final Pattern PATH = Pattern.compile("^/(?:fleet/v1|v1-alpha)/units/([^/]+)/journal$");
    /** Between two reads of a journal without follow (with follow there is none: a quiet journal is not a dead one). */
    static final Duration JOURNAL_IDLE_TIMEOUT = Duration.ofSeconds(15);
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fleet-journal-watchdog");
        t.setDaemon(true);
        return t;
    });

    @EJB
    FleetNode node;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        Matcher m = PATH.matcher(req.getRequestURI().substring(req.getContextPath().length()));
        if (!m.matches() || !"GET".equals(req.getMethod())) {
            chain.doFilter(req, resp);
            return;
        }
        if (!node.isReady()) {
            send(resp, ApiResponse.error(503, FleetV1Resource.UNAVAILABLE), false);
            return;
        }
        if (UnitAgentResource.tlsError() != null) {
            send(resp, ApiResponse.error(500, UnitAgentResource.tlsError()), true);
            return;
        }
        String name = ApiRequest.decode(m.group(1));
        UnitAgents.JournalPlan[] plan = new UnitAgents.JournalPlan[1];
        ApiResponse early = FleetV1Resource.dispatch(() -> {
            plan[0] = new UnitAgents(node.registry(), UnitAgentResource.https()).planJournal(name, req.getParameter("lines"), req.getParameter("follow"),
                    req.getParameter("machineID"), req.getParameter("output"));
            return plan[0].error();
        });
        if (early != null) {
            send(resp, early, true);
            return;
        }
        UnitAgents.JournalPlan p = plan[0];
        Upstream up = open(UnitAgentResource.client(), p);
        if (up.error() != null) {
            send(resp, up.error(), true);
            return;
        }
        HttpResponse<InputStream> upstream = up.response();
        resp.setStatus(200);
        resp.setContentType("text/plain; charset=utf-8");
        resp.setHeader("Server", FleetV1Resource.SERVER);
        resp.setHeader("Cache-Control", "no-cache");
        resp.flushBuffer(); // the headers now: a quiet followed journal still answers at once
        pump(upstream.body(), resp.getOutputStream(), p.follow() ? null : JOURNAL_IDLE_TIMEOUT);
    }

    /** The agent's journal stream, open with status 200 ({@code response}), or the answer to give instead ({@code error}). */
    record Upstream(HttpResponse<InputStream> response, ApiResponse error) {
    }

    /**
     * Opens the agent's stream before answering, so that an unreachable agent is a clean 502 and not a cut stream;
     * the agent must send its headers within the status timeout, whatever follow says. Over https the answer is
     * taken only from the target machine's agent certificate ({@link UnitAgentResource#peerProblem}); any other
     * answer's body is dropped unread.
     */
    static Upstream open(HttpClient client, UnitAgents.JournalPlan p) throws IOException {
        HttpResponse<InputStream> upstream;
        try {
            HttpRequest r = HttpRequest.newBuilder(p.upstream()).timeout(UnitAgentResource.STATUS_TIMEOUT)
                    .header("Accept", "text/plain").GET().build();
            upstream = client.send(r, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            return new Upstream(null, ApiResponse.error(502, "machine " + p.target().machineId() + ": agent at "
                    + p.target().agent() + " did not answer: " + UnitAgentResource.describe(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Upstream(null, ApiResponse.error(503, "interrupted"));
        }
        Optional<String> wrong = UnitAgentResource.peerProblem(p.target(), upstream);
        if (wrong.isPresent()) {
            upstream.body().close();
            return new Upstream(null, ApiResponse.error(502, "machine " + p.target().machineId() + ": " + wrong.get()));
        }
        if (upstream.statusCode() != 200) {
            String body;
            try (InputStream es = upstream.body()) {
                body = new String(es.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            }
            UnitAgents.AgentAnswer a = UnitAgents.fromAgent(p.target().machineId(), upstream.statusCode(), body);
            return new Upstream(null, ApiResponse.error(upstream.statusCode() == 404 ? 404 : 502,
                    "machine " + p.target().machineId() + ": " + a.error()));
        }
        return new Upstream(upstream, null);
    }

    private static void send(HttpServletResponse resp, ApiResponse r, boolean serverHeader) throws IOException {
        resp.setStatus(r.status());
        if (serverHeader) {
            resp.setHeader("Server", FleetV1Resource.SERVER);
        }
        resp.setContentType("application/json");
        byte[] b = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }

    /**
     * Copies the agent's stream to the user, flushing each chunk; either side ending closes the other (closing
     * the body stream closes the agent's connection). A user who leaves is noticed at the next chunk the agent
     * sends. {@code idle} non-null: a stream silent that long is closed (a journal without follow ends by itself).
     */
    static void pump(InputStream in, OutputStream out, Duration idle) {
        byte[] buf = new byte[8192];
        AtomicLong lastRead = new AtomicLong(System.nanoTime());
        ScheduledFuture<?> watchdog = idle == null ? null : WATCHDOG.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastRead.get() > idle.toNanos()) {
                closeQuietly(in);
            }
        }, 1, 1, TimeUnit.SECONDS);
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                lastRead.set(System.nanoTime());
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException userOrAgentGone) {
            LOG.log(Level.FINE, "journal stream ended", userOrAgentGone);
        } finally {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // already broken
        }
    }
}
