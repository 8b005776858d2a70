package dev.fleet.api;

import org.junit.jupiter.api.Test;

import static dev.fleet.api.DirectApiFilter.Route.FLEET;
import static dev.fleet.api.DirectApiFilter.Route.JAX_RS;
import static dev.fleet.api.DirectApiFilter.Route.KEYS;
import static dev.fleet.api.DirectApiFilter.route;
import static org.assertj.core.api.Assertions.assertThat;

/** What the direct path answers itself and what it leaves to JAX-RS. */
class DirectApiFilterTest {

    @Test
    void keysReadsAndWritesGoDirect() {
        for (String method : new String[] {"GET", "PUT", "POST", "DELETE"}) {
            assertThat(route(method, "/v2/keys")).as(method).isEqualTo(KEYS);
            assertThat(route(method, "/v2/keys/")).as(method).isEqualTo(KEYS);
            assertThat(route(method, "/v2/keys/a/b")).as(method).isEqualTo(KEYS);
        }
    }

    @Test
    void fleetApiRequestsGoDirect() {
        for (String method : new String[] {"GET", "PUT", "POST", "DELETE", "PATCH"}) {
            assertThat(route(method, "/fleet/v1/units/a.service")).as(method).isEqualTo(FLEET);
            assertThat(route(method, "/v1-alpha/units")).as(method).isEqualTo(FLEET);
        }
        assertThat(route("GET", "/fleet/v1")).isEqualTo(FLEET);
        assertThat(route("GET", "/fleet/v1/state")).isEqualTo(FLEET);
        assertThat(route("PATCH", "/fleet/v1/machines")).isEqualTo(FLEET);
    }

    @Test
    void headOptionsAndOtherMethodsStayWithJaxRs() {
        assertThat(route("HEAD", "/v2/keys/a")).isEqualTo(JAX_RS);
        assertThat(route("OPTIONS", "/v2/keys/a")).isEqualTo(JAX_RS);
        assertThat(route("PATCH", "/v2/keys/a")).isEqualTo(JAX_RS);
        assertThat(route("HEAD", "/fleet/v1/units")).isEqualTo(JAX_RS);
        assertThat(route("OPTIONS", "/fleet/v1/units")).isEqualTo(JAX_RS);
        assertThat(route("FOO", "/fleet/v1/units")).isEqualTo(JAX_RS);
    }

    @Test
    void aUnitsJournalAndStatusHaveTheirOwnHandlers() {
        assertThat(route("GET", "/fleet/v1/units/a.service/journal")).isEqualTo(JAX_RS);
        assertThat(route("GET", "/v1-alpha/units/a.service/status")).isEqualTo(JAX_RS);
    }

    @Test
    void pathsThatOnlyLookAlikeStayWithJaxRs() {
        assertThat(route("GET", "/v2/keysx")).isEqualTo(JAX_RS);
        assertThat(route("GET", "/v2/keys%2Fa")).as("decoded only by Jersey").isEqualTo(JAX_RS);
        assertThat(route("GET", "//v2/keys/a")).isEqualTo(JAX_RS);
        assertThat(route("GET", "/fleet/v10/units")).isEqualTo(JAX_RS);
        assertThat(route("GET", "/fleet/agent/v1/machines/m")).isEqualTo(JAX_RS);
        assertThat(route("GET", "/v2/members")).isEqualTo(JAX_RS);
    }
}
