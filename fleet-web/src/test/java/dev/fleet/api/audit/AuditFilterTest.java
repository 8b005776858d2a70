package dev.fleet.api.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleet.api.RequestGuard;
import jakarta.json.JsonObject;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The filter against hand-made requests (no container): what it records, and that it never gets in the way. */
class AuditFilterTest {
    @TempDir
    Path dir;

    /** A trail over a log in the temp dir, not the node's. */
    private AuditTrail trail(AuditLog log) {
        return new AuditTrail() {
            @Override
            public AuditLog log() {
                return log;
            }
        };
    }

    private AuditFilter filter(AuditTrail trail) {
        AuditFilter f = new AuditFilter();
        f.trail = trail;
        return f;
    }

    static final class Fake {
        final Map<String, Object> attributes = new HashMap<>();
        final List<AsyncListener> listeners = new ArrayList<>();
        int status = 200;
        boolean async;
        final String method;
        final String uri;
        final String query;

        Fake(String method, String uri, String query) {
            this.method = method;
            this.uri = uri;
            this.query = query;
        }

        HttpServletRequest request() {
            return (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HttpServletRequest.class},
                    (p, m, a) -> switch (m.getName()) {
                        case "getMethod" -> method;
                        case "getRequestURI" -> uri;
                        case "getContextPath" -> "";
                        case "getQueryString" -> query;
                        case "getRemoteAddr" -> "10.1.2.3";
                        case "getAttribute" -> attributes.get((String) a[0]);
                        case "setAttribute" -> attributes.put((String) a[0], a[1]);
                        case "isAsyncStarted" -> async;
                        case "getAsyncContext" -> asyncContext();
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }

        AsyncContext asyncContext() {
            return (AsyncContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {AsyncContext.class},
                    (p, m, a) -> switch (m.getName()) {
                        case "addListener" -> listeners.add((AsyncListener) a[0]);
                        case "getRequest", "getResponse" -> null;
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }

        HttpServletResponse response() {
            return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HttpServletResponse.class},
                    (p, m, a) -> switch (m.getName()) {
                        case "getStatus" -> status;
                        case "setStatus" -> {
                            status = (Integer) a[0];
                            yield null;
                        }
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }

    private static void run(AuditFilter f, Fake x, FilterChain chain) throws IOException, ServletException {
        f.doFilter(x.request(), x.response(), chain);
    }

    @Test
    void writesAreRecordedWithWhoAndStatusReadsAreNot() throws Exception {
        try (AuditLog log = new AuditLog(dir, "n1")) {
            AuditFilter f = filter(trail(log));
            Fake put = new Fake("PUT", "/v2/keys/a", "value=1");
            run(f, put, (rq, rs) -> {
                rq.setAttribute(AuditFilter.IDENTITY, "client:alice(operate)");
                ((HttpServletResponse) rs).setStatus(201);
            });
            for (String read : new String[] {"GET", "HEAD", "OPTIONS"}) {
                run(f, new Fake(read, "/v2/keys/a", null), (rq, rs) -> { });
            }
            // refused by an inner filter (RequestGuardFilter): the identity it set and its status
            Fake refused = new Fake("DELETE", "/fleet/v1/units/x.service", null);
            run(f, refused, (rq, rs) -> {
                rq.setAttribute(AuditFilter.IDENTITY, "token:ci(read)");
                ((HttpServletResponse) rs).setStatus(403);
            });
            run(f, new Fake("POST", "/v2/members", null), (rq, rs) -> ((HttpServletResponse) rs).setStatus(401));

            List<JsonObject> t = log.tail(10);
            assertThat(t).hasSize(3);
            assertThat(t.get(0).getString("who")).isEqualTo("client:alice(operate)");
            assertThat(t.get(0).getString("method")).isEqualTo("PUT");
            assertThat(t.get(0).getString("path")).isEqualTo("/v2/keys/a?value=1");
            assertThat(t.get(0).getInt("status")).isEqualTo(201);
            assertThat(t.get(0).getString("remote")).isEqualTo("10.1.2.3");
            assertThat(t.get(1).getString("who")).isEqualTo("token:ci(read)");
            assertThat(t.get(1).getInt("status")).isEqualTo(403);
            assertThat(t.get(2).getString("who")).isEqualTo("anonymous"); // no identity set
            assertThat(t.get(2).getInt("status")).isEqualTo(401);
        }
    }

    @Test
    void aThrowingChainIsRecordedAs500AndTheExceptionGoesOn() throws Exception {
        try (AuditLog log = new AuditLog(dir, "n1")) {
            AuditFilter f = filter(trail(log));
            assertThatThrownBy(() -> run(f, new Fake("PUT", "/v2/keys/b", null), (rq, rs) -> {
                throw new IllegalStateException("boom");
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
            assertThatThrownBy(() -> run(f, new Fake("PATCH", "/v2/keys/c", null), (rq, rs) -> {
                throw new ServletException("bad");
            })).isInstanceOf(ServletException.class);
            List<JsonObject> t = log.tail(10);
            assertThat(t).extracting(e -> e.getString("method") + " " + e.getInt("status")).containsExactly("PUT 500", "PATCH 500");
        }
    }

    @Test
    void anAsyncRequestIsRecordedWhenItCompletes() throws Exception {
        try (AuditLog log = new AuditLog(dir, "n1")) {
            AuditFilter f = filter(trail(log));
            Fake x = new Fake("POST", "/v2/keys/queue", null);
            run(f, x, (rq, rs) -> x.async = true);
            assertThat(log.tail(10)).isEmpty();
            assertThat(x.listeners).hasSize(1);
            x.status = 201;
            x.listeners.get(0).onComplete(new AsyncEvent(x.asyncContext()));
            List<JsonObject> t = log.tail(10);
            assertThat(t).hasSize(1);
            assertThat(t.get(0).getInt("status")).isEqualTo(201);
            assertThat(t.get(0).getString("path")).isEqualTo("/v2/keys/queue");
        }
    }

    @Test
    void aFailingTrailDoesNotFailTheRequest() throws Exception {
        AuditLog closed = new AuditLog(dir, "n1");
        closed.close();
        AuditFilter f = filter(trail(closed));
        Fake x = new Fake("PUT", "/v2/keys/d", null);
        boolean[] ran = {false};
        run(f, x, (rq, rs) -> ran[0] = true);
        run(f, new Fake("PUT", "/v2/keys/e", null), (rq, rs) -> { }); // the second failure: not even a warning
        assertThat(ran[0]).isTrue();
        AuditTrail broken = new AuditTrail() {
            @Override
            public AuditLog log() {
                throw new IllegalStateException("node not started");
            }
        };
        run(filter(broken), new Fake("DELETE", "/v2/keys/f", null), (rq, rs) -> { });
    }

    @Test
    void auditedMethods() {
        assertThat(AuditFilter.audited("PUT")).isTrue();
        assertThat(AuditFilter.audited("post")).isTrue();
        assertThat(AuditFilter.audited("PROPFIND")).isTrue();
        assertThat(AuditFilter.audited("GET")).isFalse();
        assertThat(AuditFilter.audited("head")).isFalse();
        assertThat(AuditFilter.audited("OPTIONS")).isFalse();
    }

    @Test
    void theLimitParameterAndTheBody() {
        assertThat(AuditResource.limit(null)).isEqualTo(100);
        assertThat(AuditResource.limit("1")).isEqualTo(1);
        assertThat(AuditResource.limit("1000")).isEqualTo(1000);
        for (String bad : new String[] {"0", "1001", "-1", "", " 5", "5x", "1e3", "99999999999", "0x10"}) {
            assertThat(AuditResource.limit(bad)).as(bad).isNull();
        }
        assertThat(AuditResource.entries(List.of())).isEqualTo("{\"entries\":[]}");
        // the admin API answers refusals in fleet's error JSON
        assertThat(RequestGuard.api("/fleet/admin/v1/audit")).isEqualTo(RequestGuard.Api.FLEET);
    }
}
