package dev.fleet.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleet.api.RequestGuard;
import dev.fleet.api.security.Identity.Role;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The role × route table of {@link AccessPolicy}, every cell: 200 (allowed), 401 or 403. */
class AccessPolicyTest {
    static final String M1 = "0123456789abcdef0123456789abcdef";
    static final String M2 = "fedcba9876543210fedcba9876543210";

    static final Identity NOBODY = Identity.ANONYMOUS;
    static final Identity READ = Identity.client("r", Role.READ);
    static final Identity OPERATE = Identity.token("o", Role.OPERATE);
    static final Identity ADMIN = Identity.client("a", Role.ADMIN);
    static final Identity NODE = Identity.node("n1");
    static final Identity AGENT1 = Identity.agent(M1);
    static final Identity NO_ROLE = Identity.client("x", null);

    /** route → expected status for: nobody, read, operate, admin, node, agent of M1, certificate without a role. */
    static final Map<String, int[]> TABLE = new LinkedHashMap<>();

    static {
        int[] probe = {200, 200, 200, 200, 200, 200, 200};
        int[] read = {401, 200, 200, 200, 200, 403, 403};
        int[] operate = {401, 403, 200, 200, 200, 403, 403};
        int[] admin = {401, 403, 403, 200, 200, 403, 403};
        int[] ownAgent = {401, 403, 403, 200, 200, 200, 403};
        int[] otherAgent = {401, 403, 403, 200, 200, 403, 403};
        TABLE.put("GET /livez", probe);
        TABLE.put("GET /health", probe);
        TABLE.put("GET /version", probe);
        TABLE.put("POST /health", admin);
        TABLE.put("GET /fleet/v1/units", read);
        TABLE.put("GET /fleet/v1/units/x.service", read);
        TABLE.put("GET /fleet/v1/units/x.service/status", read);
        TABLE.put("GET /fleet/v1/units/x.service/journal", read);
        TABLE.put("GET /fleet/v1/state", read);
        TABLE.put("GET /fleet/v1/machines", read);
        TABLE.put("GET /fleet/v1/discovery", read);
        TABLE.put("GET /v1-alpha/units", read);
        TABLE.put("PUT /fleet/v1/units/x.service", operate);
        TABLE.put("DELETE /fleet/v1/units/x.service", operate);
        TABLE.put("PATCH /fleet/v1/machines/" + M1 + "/metadata", operate);
        TABLE.put("PUT /v1-alpha/units/x.service", operate);
        TABLE.put("GET /v2/keys", read);
        TABLE.put("GET /v2/keys/a/b", read);
        TABLE.put("GET /v2/keys/_fleet/machines", read); // allowed through, and the keys API hides /_fleet from all
        TABLE.put("PUT /v2/keys/a", operate);
        TABLE.put("POST /v2/keys/queue", operate);
        TABLE.put("DELETE /v2/keys/a", operate);
        TABLE.put("GET /v2/members", read);
        TABLE.put("POST /v2/members", admin);
        TABLE.put("PUT /v2/members/abc", admin);
        TABLE.put("DELETE /v2/members/abc", admin);
        TABLE.put("GET /v2/stats/self", read);
        TABLE.put("GET /metrics", read);
        TABLE.put("GET /", read);
        TABLE.put("GET /fleet/admin/v1/audit", admin);
        TABLE.put("PUT /fleet/agent/v1/machines/" + M1, ownAgent);
        TABLE.put("DELETE /fleet/agent/v1/machines/" + M1, ownAgent);
        TABLE.put("GET /fleet/agent/v1/machines/" + M1 + "/schedule", ownAgent);
        TABLE.put("PUT /fleet/agent/v1/machines/" + M1 + "/states", ownAgent);
        TABLE.put("PUT /fleet/agent/v1/machines/" + M2, otherAgent);
        TABLE.put("GET /fleet/agent/v1/machines/" + M2 + "/schedule", otherAgent);
        TABLE.put("PUT /fleet/agent/v1/machines/" + M2 + "/states", otherAgent);
        TABLE.put("GET /fleet/agent/v1/machines/" + M1 + "0/schedule", otherAgent); // a prefix of the ID is not the ID
        TABLE.put("GET /something/else", admin);
        TABLE.put("PUT /fleet", admin);
    }

    @Test
    void everyCellOfTheTable() {
        List<Identity> who = List.of(NOBODY, READ, OPERATE, ADMIN, NODE, AGENT1, NO_ROLE);
        List<String> wrong = new ArrayList<>();
        TABLE.forEach((route, expected) -> {
            String[] mp = route.split(" ", 2);
            for (int i = 0; i < who.size(); i++) {
                RequestGuard.Denial d = AccessPolicy.decide(mp[0], mp[1], who.get(i));
                int got = d == null ? 200 : d.status();
                if (got != expected[i]) {
                    wrong.add(route + " as " + who.get(i).label() + ": " + got + " (want " + expected[i] + ")"
                            + (d == null ? "" : " " + d.message()));
                }
            }
        });
        assertThat(wrong).isEmpty();
    }

    @Test
    void refusalsAnswerInTheApiOfThePath() {
        assertThat(AccessPolicy.decide("PUT", "/fleet/v1/units/x", READ).api()).isEqualTo(RequestGuard.Api.FLEET);
        assertThat(AccessPolicy.decide("PUT", "/v2/keys/x", READ).api()).isEqualTo(RequestGuard.Api.ETCD);
        assertThat(AccessPolicy.decide("POST", "/v2/members", OPERATE).api()).isEqualTo(RequestGuard.Api.ETCD_MEMBERS);
        assertThat(AccessPolicy.decide("GET", "/fleet/v1/units", NOBODY).message()).contains("authentication required");
        assertThat(AccessPolicy.decide("PUT", "/fleet/v1/units/x", READ).message())
                .isEqualTo("client:r(read) may not PUT /fleet/v1/units/x: that needs the operate role");
        assertThat(AccessPolicy.decide("PUT", "/fleet/agent/v1/machines/" + M2 + "/states", AGENT1).message())
                .contains("only that machine's agent");
    }

    @Test
    void encodedAndDotSegmentPathsAreJudgedDecodedOrFailClosed() {
        // what JAX-RS would route to machine M2's agent API stays M2's
        assertThat(AccessPolicy.decide("PUT", "/%66leet/agent/v1/machines/" + M2 + "/states", AGENT1).status()).isEqualTo(403);
        assertThat(AccessPolicy.decide("PUT", "/fleet/agent/v1/machines/" + M1 + "/../" + M2 + "/states", AGENT1).status()).isEqualTo(403);
        assertThat(AccessPolicy.decide("PUT", "/fleet/agent/v1/machines/" + M1 + "/%2e%2e/" + M2 + "/states", AGENT1).status()).isEqualTo(403);
        // an operator's write that dot-segments into the members API needs admin
        assertThat(AccessPolicy.decide("POST", "/v2/keys/../members", OPERATE).status()).isEqualTo(403);
        assertThat(AccessPolicy.decide("POST", "/v2/keys/%2E%2E/members", OPERATE).status()).isEqualTo(403);
        assertThat(AccessPolicy.decide("PUT", "/v2/keys/a%zz", OPERATE).status()).isEqualTo(403);
        assertThat(AccessPolicy.decide("POST", "/v2/keys/../members", ADMIN)).isNull();
        // encoded characters elsewhere are fine
        assertThat(AccessPolicy.decide("PUT", "/v2/keys/a%20b", OPERATE)).isNull();
        assertThat(AccessPolicy.decide("GET", "/fleet/v1/units/a%40b.service", READ)).isNull();
    }

    @Test
    void certificateSubjects() {
        assertThat(Certificates.identity("CN=alice,OU=operate,O=fleet")).isEqualTo(Identity.client("alice", Role.OPERATE));
        assertThat(Certificates.identity("CN=n1,OU=node,O=fleet")).isEqualTo(Identity.node("n1"));
        assertThat(Certificates.identity("CN=" + M1 + ",OU=agent,O=fleet")).isEqualTo(Identity.agent(M1));
        assertThat(Certificates.identity("CN=bob,OU=root,O=fleet").role()).isNull();
        assertThat(Certificates.identity("CN=bob,OU=admin,OU=read,O=fleet").role()).isNull(); // two OUs: no role
        assertThat(Certificates.identity("CN=bob,O=fleet").role()).isNull();
        assertThat(Certificates.identity("OU=agent,O=fleet").kind()).isEqualTo(Identity.Kind.CLIENT); // an agent needs its ID
    }
}
