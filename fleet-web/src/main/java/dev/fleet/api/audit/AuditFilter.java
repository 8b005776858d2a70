package dev.fleet.api.audit;

import jakarta.inject.Inject;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Set;

/**
 * Records every mutating call (any method but GET, HEAD and OPTIONS) in the {@link AuditTrail}: who, method, path
 * with query, status, client address. Declared first in WEB-INF/web.xml, so it wraps every other filter: a refusal
 * by RequestGuardFilter (401, 403, 421, ...) is recorded as the status it answered, a call that threw as 500 (and the
 * exception goes on). An asynchronous request is recorded when it completes.
 *
 * <p>Who: the request attribute {@value #IDENTITY} (a String such as {@code client:alice(operate)},
 * {@code token:ci(read)}, {@code agent:<machine-id>}, {@code node:n1} or {@code anonymous}) that RequestGuardFilter
 * sets once it knows the caller, read after the chain ran; {@code anonymous} when it is absent.
 */
public class AuditFilter extends HttpFilter {
    public static final String IDENTITY = "dev.fleet.identity";
    static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    @Inject
    AuditTrail trail;

    /** Whether a call with this method is recorded. */
    public static boolean audited(String method) {
        return method != null && !READS.contains(method.toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        if (!audited(req.getMethod())) {
            chain.doFilter(req, resp);
            return;
        }
        String method = req.getMethod();
        String path = pathOf(req);
        try {
            chain.doFilter(req, resp);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            record(req, method, path, 500);
            throw e;
        }
        if (req.isAsyncStarted()) {
            req.getAsyncContext().addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    record(req, method, path, resp.getStatus());
                }

                @Override
                public void onTimeout(AsyncEvent event) { }

                @Override
                public void onError(AsyncEvent event) { }

                @Override
                public void onStartAsync(AsyncEvent event) {
                    event.getAsyncContext().addListener(this); // restarted: listeners are not kept, so follow it
                }
            });
        } else {
            record(req, method, path, resp.getStatus());
        }
    }

    /** The path as asked (still encoded), without the context path, with its query string. */
    static String pathOf(HttpServletRequest req) {
        String uri = req.getRequestURI();
        String ctx = req.getContextPath();
        String path = ctx != null && !ctx.isEmpty() && uri.startsWith(ctx) ? uri.substring(ctx.length()) : uri;
        String query = req.getQueryString();
        return query == null ? path : path + "?" + query;
    }

    /** The caller as RequestGuardFilter named it, else anonymous. */
    static String who(HttpServletRequest req) {
        Object who = req.getAttribute(IDENTITY);
        return who == null ? "anonymous" : who.toString();
    }

    private void record(HttpServletRequest req, String method, String path, int status) {
        String who;
        String remote;
        try {
            who = who(req);
            remote = req.getRemoteAddr();
        } catch (RuntimeException e) { // a recycled request (async edge): still record the call
            who = "anonymous";
            remote = "";
        }
        trail.record(who, method, path, status, remote);
    }
}
