package dev.fleet.api.v1;

import dev.fleet.api.Admission;
import dev.fleet.api.ClientHangup;
import dev.fleet.api.Streams;
import dev.fleet.node.FleetNode;
import jakarta.ejb.EJB;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * Asynchronous: the request thread returns at once and the stream is pumped on {@link Streams#journalPool()},
 * admitted by {@link Streams#journals()} (429/503 with Retry-After over the limits).
 * Every other request passes through untouched. What to stream from where is decided by {@link UnitAgents}.
 */
@WebFilter(urlPatterns = {"/fleet/v1/units/*", "/v1-alpha/units/*"}, asyncSupported = true)
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
        Streams streams = Streams.get();
        Admission.Outcome admitted = streams.journals().tryAcquire(Streams.clientOf(req));
        if (admitted instanceof Admission.Refused r) {
            resp.setHeader("Retry-After", Integer.toString(r.retryAfterSeconds()));
            send(resp, ApiResponse.error(r.status(), r.message()), true);
            return;
        }
        Stream stream = new Stream(p, (Admission.Ticket) admitted);
        try {
            // on the request thread, bounded by the status timeout: Grizzly's pool paces the opens; opened all at once
            // from the journal pool, 250 journals burst the agent's accept queue and some got 502 (docs/streams.md)
            Upstream up = open(UnitAgentResource.client(), p);
            if (up.error() != null) {
                stream.end();
                send(resp, up.error(), true);
                return;
            }
            stream.body = up.response().body();
            resp.setStatus(200);
            resp.setContentType("text/plain; charset=utf-8");
            resp.setHeader("Server", FleetV1Resource.SERVER);
            resp.setHeader("Cache-Control", "no-cache");
            resp.flushBuffer(); // the headers now: a quiet followed journal still answers at once
            AsyncContext async = req.startAsync(req, resp);
            async.setTimeout(0); // a followed journal lasts as long as its user; one without follow ends by itself
            async.addListener(stream);
            stream.async = async;
            stream.unhook = ClientHangup.onClose(req, stream::end);
            streams.journalPool().execute(stream);
        } catch (RejectedExecutionException full) { // only if admission and the pool disagree: never hold a request thread
            stream.end();
            stream.async.complete();
        } catch (IOException | RuntimeException e) {
            stream.end();
            if (stream.async != null) {
                stream.async.complete();
            }
            throw e;
        }
    }

    /**
     * One journal, pumped on the journal pool, not on a request thread. It ends once, from whichever side goes
     * first: the agent's stream ending, the user's connection closing (a Grizzly close listener, {@link ClientHangup}:
     * Payara tells a quiet stream nothing, docs/streams.md), the container's error, or the pump's own end. Ending
     * releases the admission and closes the agent's stream (and interrupts the pump blocked on it).
     */
    static final class Stream implements Runnable, AsyncListener {
        private final UnitAgents.JournalPlan plan;
        private final Admission.Ticket ticket;
        private final AtomicBoolean ended = new AtomicBoolean();
        volatile AsyncContext async;
        volatile InputStream body;
        volatile Runnable unhook;
        private volatile Thread pumping;

        Stream(UnitAgents.JournalPlan plan, Admission.Ticket ticket) {
            this.plan = plan;
            this.ticket = ticket;
        }

        @Override
        public void run() {
            pumping = Thread.currentThread();
            try {
                if (!ended.get()) {
                    pump(body, async.getResponse().getOutputStream(), plan.follow() ? null : JOURNAL_IDLE_TIMEOUT);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "journal stream failed", e);
            } finally {
                pumping = null;
                end();
                try {
                    async.complete();
                } catch (IllegalStateException alreadyDone) {
                    // the container completed it
                }
            }
        }

        /** Idempotent: the admission is released once, the agent's stream closed. */
        void end() {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            ticket.release();
            Runnable u = unhook;
            if (u != null) {
                u.run();
            }
            InputStream b = body;
            if (b != null) {
                closeQuietly(b);
            }
            Thread t = pumping;
            if (t != null) {
                t.interrupt(); // the JDK client's body stream may stay blocked in read() after close
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            end();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            end();
        }

        @Override
        public void onError(AsyncEvent event) {
            LOG.log(Level.FINE, "journal user gone", event.getThrowable());
            end();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // not restarted
        }
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
     * the body stream closes the agent's connection). A user who leaves is noticed by the container's onError
     * ({@link Stream}), else at the next chunk the agent sends. {@code idle} non-null: a stream silent that long is closed (a journal without follow ends by itself).
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
