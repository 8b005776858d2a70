package dev.fleet.cli;

import jakarta.json.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --output=json} of the list verbs, byte for byte: Parsson's pretty printing of {@code {"field":[...]}} with the
 * API's objects as a node writes them, and an empty listing written out as an empty list.
 */
class JsonOutputTest {
    @Test
    void listingsArePrettyPrintedAsTheApiWritesThem() throws Exception {
        try (FakeFleet fleet = new FakeFleet()) {
            fleet.machines.add(Json.createObjectBuilder().add("id", "m1aaaaaaaaaaaaaa").add("primaryIP", "10.0.0.1")
                    .add("metadata", Json.createObjectBuilder().add("az", "eu-1").add("role", "db")).build());
            fleet.machines.add(Json.createObjectBuilder().add("id", "m2bbbbbbbbbbbbbb").build());
            fleet.put("a.service", Json.createObjectBuilder().add("name", "a.service")
                    .add("options", Json.createArrayBuilder().add(Json.createObjectBuilder().add("section", "Service")
                            .add("name", "ExecStart").add("value", "/bin/a \"x\"")))
                    .add("desiredState", "launched").add("currentState", "launched").add("machineID", "m1aaaaaaaaaaaaaa").build());
            fleet.put("b.service", Json.createObjectBuilder().add("name", "b.service").add("desiredState", "inactive")
                    .add("reason", "no machine").build());
            fleet.states.add(Json.createObjectBuilder().add("name", "a.service").add("hash", "0123456789abcdef")
                    .add("machineID", "m1aaaaaaaaaaaaaa").add("systemdLoadState", "loaded").add("systemdActiveState", "active")
                    .add("systemdSubState", "running").add("systemdResult", "success").build());

            assertThat(json(fleet, "list-machines")).isEqualTo("""
                    {
                        "machines": [
                            {
                                "id": "m1aaaaaaaaaaaaaa",
                                "primaryIP": "10.0.0.1",
                                "metadata": {
                                    "az": "eu-1",
                                    "role": "db"
                                }
                            },
                            {
                                "id": "m2bbbbbbbbbbbbbb"
                            }
                        ]
                    }
                    """);
            assertThat(json(fleet, "list-unit-files")).isEqualTo("""
                    {
                        "units": [
                            {
                                "name": "a.service",
                                "options": [
                                    {
                                        "section": "Service",
                                        "name": "ExecStart",
                                        "value": "/bin/a \\"x\\""
                                    }
                                ],
                                "desiredState": "launched",
                                "currentState": "launched",
                                "machineID": "m1aaaaaaaaaaaaaa"
                            },
                            {
                                "name": "b.service",
                                "desiredState": "inactive",
                                "reason": "no machine"
                            }
                        ]
                    }
                    """);
            assertThat(json(fleet, "list-units")).isEqualTo("""
                    {
                        "states": [
                            {
                                "name": "a.service",
                                "hash": "0123456789abcdef",
                                "machineID": "m1aaaaaaaaaaaaaa",
                                "systemdLoadState": "loaded",
                                "systemdActiveState": "active",
                                "systemdSubState": "running",
                                "systemdResult": "success"
                            }
                        ]
                    }
                    """);
        }
    }

    @Test
    void anEmptyListingIsAnEmptyList() throws Exception {
        try (FakeFleet fleet = new FakeFleet()) {
            assertThat(json(fleet, "list-machines")).isEqualTo("{\n    \"machines\": [\n    ]\n}\n");
            assertThat(json(fleet, "list-unit-files")).isEqualTo("{\n    \"units\": [\n    ]\n}\n");
            assertThat(json(fleet, "list-units")).isEqualTo("{\n    \"states\": [\n    ]\n}\n");
        }
    }

    private static String json(FakeFleet fleet, String verb) {
        Captured r = Captured.against(fleet, verb, "--output=json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        return r.out();
    }
}
