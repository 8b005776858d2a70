package dev.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleet.api.RequestGuard.Api;
import dev.fleet.api.RequestGuard.Denial;
import org.junit.jupiter.api.Test;

class RequestGuardTest {
    private final RequestGuard loopback = RequestGuard.of("127.0.0.1", null, "vm");
    private final RequestGuard bridge = RequestGuard.of("10.77.3.254", "fleet.example.org, Node-1.lan.", "vm");

    private static Denial get(RequestGuard g, String path, String host) {
        return g.check("GET", path, host, "127.0.0.1", "http", null, null, null);
    }

    private static Denial put(RequestGuard g, String path, String host, String origin) {
        return g.check("PUT", path, host, "127.0.0.1", "http", origin, null, "application/x-www-form-urlencoded");
    }

    @Test
    void traceAndConnectAreRefusedFirstAndCloseTheConnection() {
        for (String m : new String[]{"TRACE", "CONNECT"}) {
            assertThat(loopback.check(m, "/fleet/v1/units", "127.0.0.1:4001", "127.0.0.1", "http", null, null, null))
                    .isEqualTo(new Denial(405, Api.FLEET, "method not allowed: " + m + " /fleet/v1/units"));
            assertThat(loopback.check(m, "/v2/keys/a", "evil.example", "127.0.0.1", "http", null, null, null).status())
                    .as("before the Host check").isEqualTo(405);
            assertThat(RequestGuard.closesConnection(m)).isTrue();
        }
        assertThat(RequestGuard.closesConnection("GET")).isFalse();
        assertThat(loopback.check("OPTIONS", "/fleet/v1/units", "127.0.0.1:4001", "127.0.0.1", "http", null, null, null)).isNull();
    }

    @Test
    void theNodesOwnNamesPass() {
        for (String h : new String[] {"127.0.0.1:4001", "localhost:4001", "LOCALHOST", "[::1]:4001", "127.0.0.1", "localhost.:4001",
                "[0:0:0:0:0:0:0:1]:4001", "127.000.0.001:4001"}) {
            assertThat(get(loopback, "/v2/keys/", h)).as(h).isNull();
        }
        // machines reach the node at the bridge address; the configured extra names; loopback (ssh forwards) too
        for (String h : new String[] {"10.77.3.254:4001", "fleet.example.org", "node-1.lan:80", "127.0.0.1:38211"}) {
            assertThat(bridge.check("PUT", "/fleet/agent/v1/machines/m1", h, "10.77.3.254", "http", null, null, null)).as(h).isNull();
        }
        // the address the connection came in on
        assertThat(loopback.check("GET", "/v2/keys/", "192.168.1.9:4001", "192.168.1.9", "http", null, null, null)).isNull();
        // no Host at all (HTTP/1.0): no browser sends that
        assertThat(get(loopback, "/v2/keys/", null)).isNull();
        assertThat(get(loopback, "/v2/keys/", "")).isNull();
    }

    @Test
    void otherHostsAreMisdirected() {
        for (String h : new String[] {"evil.example", "evil.example:4001", "127.0.0.1.evil.example", "localhost@evil", "vm:4001",
                "10.77.3.254:4001", "[::1", "a:b:c", "127.0.0.1:x", "fleet.example.org", "999.0.0.1", "[fe80::zz]"}) {
            Denial d = get(loopback, "/v2/keys/", h);
            assertThat(d).as(h).isNotNull();
            assertThat(d.status()).isEqualTo(421);
            assertThat(d.api()).isEqualTo(Api.ETCD);
        }
        assertThat(get(loopback, "/fleet/v1/units", "evil.example").api()).isEqualTo(Api.FLEET);
        assertThat(get(loopback, "/fleet/v1/units/a.service/journal", "evil.example").api()).isEqualTo(Api.FLEET);
        assertThat(get(loopback, "/v1-alpha/machines", "evil.example").api()).isEqualTo(Api.FLEET);
        assertThat(get(loopback, "/v2/members", "evil.example").api()).isEqualTo(Api.ETCD_MEMBERS);
        assertThat(get(loopback, "/health", "evil.example").status()).isEqualTo(421);
        assertThat(get(bridge, "/v2/keys/", "evil.example")).isNotNull();
        // wildcard bind: the machine's name is the node's too
        RequestGuard any = RequestGuard.of("0.0.0.0", null, "vm");
        assertThat(get(any, "/v2/keys/", "vm:4001")).isNull();
        assertThat(get(any, "/v2/keys/", "evil.example")).isNotNull();
    }

    @Test
    void crossOriginWritesAreForbiddenSameOriginAndNoOriginPass() {
        assertThat(put(loopback, "/v2/keys/a", "127.0.0.1:4001", null)).isNull();
        assertThat(put(loopback, "/v2/keys/a", "127.0.0.1:4001", "http://127.0.0.1:4001")).isNull();
        assertThat(put(loopback, "/v2/keys/a", "localhost", "http://localhost:80")).isNull();
        for (String o : new String[] {"http://evil.example", "http://127.0.0.1:4002", "https://127.0.0.1:4001", "null",
                "http://localhost:4001", "http://127.0.0.1:4001/x", "garbage", ""}) {
            Denial d = put(loopback, "/v2/keys/a", "127.0.0.1:4001", o);
            assertThat(d).as(o).isNotNull();
            assertThat(d.status()).isEqualTo(403);
        }
        assertThat(put(loopback, "/fleet/v1/units/a.service", "127.0.0.1:4001", "http://evil.example").api()).isEqualTo(Api.FLEET);
        // without a Host, no origin is this one
        assertThat(put(loopback, "/v2/keys/a", null, "http://127.0.0.1:4001")).isNotNull();
        // reads are not checked: a cross-origin page cannot read the answer (no CORS headers)
        assertThat(loopback.check("GET", "/v2/keys/a", "127.0.0.1:4001", null, "http", "http://evil.example", "cross-site", null)).isNull();
        assertThat(loopback.check("OPTIONS", "/v2/keys/a", "127.0.0.1:4001", null, "http", "http://evil.example", null, null)).isNull();
        for (String m : new String[] {"POST", "PUT", "DELETE", "PATCH", "post"}) {
            assertThat(loopback.check(m, "/v2/keys/a", "127.0.0.1:4001", null, "http", "http://evil.example", null, null))
                    .as(m).extracting(Denial::status).isEqualTo(403);
        }
        // Sec-Fetch-Site without Origin
        for (String s : new String[] {"cross-site", "same-site", "Cross-Site"}) {
            assertThat(loopback.check("DELETE", "/v2/keys/a", "127.0.0.1:4001", null, "http", null, s, null)).as(s)
                    .extracting(Denial::status).isEqualTo(403);
        }
        for (String s : new String[] {"same-origin", "none"}) {
            assertThat(loopback.check("DELETE", "/v2/keys/a", "127.0.0.1:4001", null, "http", null, s, null)).as(s).isNull();
        }
    }

    @Test
    void membershipChangesNeedJson() {
        for (String ct : new String[] {null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/jsonx", "text/json"}) {
            for (String m : new String[] {"POST", "PUT"}) {
                Denial d = loopback.check(m, "/v2/members", "127.0.0.1:4001", null, "http", null, null, ct);
                assertThat(d).as(m + " " + ct).isNotNull();
                assertThat(d.status()).isEqualTo(415);
                assertThat(d.api()).isEqualTo(Api.ETCD_MEMBERS);
                assertThat(d.message()).startsWith("Bad Content-Type").endsWith(", accept application/json");
            }
        }
        assertThat(loopback.check("PUT", "/v2/members/abc", "127.0.0.1", null, "http", null, null, "text/plain").status()).isEqualTo(415);
        for (String ct : new String[] {"application/json", "application/json; charset=utf-8", "Application/JSON"}) {
            assertThat(loopback.check("POST", "/v2/members", "127.0.0.1:4001", null, "http", null, null, ct)).as(ct).isNull();
        }
        assertThat(loopback.check("DELETE", "/v2/members/abc", "127.0.0.1:4001", null, "http", null, null, null)).isNull();
        assertThat(loopback.check("GET", "/v2/members", "127.0.0.1:4001", null, "http", null, null, null)).isNull();
        // other POSTs keep their content types (etcd's keys API takes forms)
        assertThat(loopback.check("POST", "/v2/keys/q", "127.0.0.1:4001", null, "http", null, null, "text/plain")).isNull();
    }
}
