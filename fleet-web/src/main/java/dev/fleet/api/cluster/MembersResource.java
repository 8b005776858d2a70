package dev.fleet.api.cluster;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.node.FleetNode;
import dev.fleet.node.Member;
import dev.fleet.store.raft.StoreUnavailableException;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;

import java.io.StringReader;
import java.util.List;

/**
 * etcd v2's members API over RAFT membership. POST takes etcd's {@code {"peerURLs":[...]}} plus our
 * {@code "name"} (RAFT needs a member's id before it starts) and optional {@code "clientURLs"}.
 */
@ApplicationScoped // one instance: no per-request construction and EJB lookup
@Path("v2/members")
@Produces("application/json")
public class MembersResource {
    @EJB
    FleetNode node;

    @GET
    public Response list() {
        JsonArrayBuilder arr = JSON.createArrayBuilder();
        node.members().list().forEach(m -> arr.add(json(m)));
        return Response.ok(JSON.createObjectBuilder().add("members", arr).build().toString()).build();
    }

    @POST
    @Consumes("*/*")
    public Response add(String body) {
        JsonObject req;
        try {
            req = JSON.createReader(new StringReader(body == null ? "" : body)).readObject();
        } catch (RuntimeException e) { // JSON-P's own, and Parsson's plain RuntimeException past its nesting depth
            return problem(400, "request body is not a JSON object: {\"name\":..., \"peerURLs\":[...]}");
        }
        String name = req.containsKey("name") && req.get("name") instanceof JsonString s ? s.getString() : null;
        List<String> peers = strings(req.get("peerURLs") instanceof JsonArray a ? a : null);
        List<String> clients = strings(req.get("clientURLs") instanceof JsonArray a ? a : null);
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            return problem(400, "\"name\" is required: letters, digits, '.', '_' and '-' (at most 63)");
        }
        if (peers == null || peers.size() != 1) {
            return problem(400, "\"peerURLs\" must hold exactly one RAFT address, e.g. [\"tcp://127.0.0.1:7801\"]");
        }
        try {
            Member m = node.members().add(name, peers.get(0), clients == null || clients.isEmpty() ? null : clients.get(0));
            return Response.status(201).entity(json(m).toString()).build();
        } catch (IllegalArgumentException e) {
            return problem(400, e.getMessage());
        } catch (IllegalStateException e) {
            return problem(409, e.getMessage());
        } catch (StoreUnavailableException e) {
            return problem(500, e.getMessage());
        }
    }

    @DELETE
    @Path("{id}")
    public Response remove(@PathParam("id") String id) {
        var m = node.members().find(id);
        if (m.isEmpty()) {
            return problem(404, "member " + id + " not found");
        }
        try {
            node.members().remove(m.get());
            return Response.noContent().build();
        } catch (StoreUnavailableException e) {
            return problem(500, e.getMessage());
        }
    }

    private static List<String> strings(JsonArray a) {
        if (a == null) {
            return null;
        }
        return a.stream().filter(v -> v instanceof JsonString).map(v -> ((JsonString) v).getString()).toList();
    }

    static JsonObject json(Member m) {
        JsonObjectBuilder b = JSON.createObjectBuilder().add("id", m.id()).add("name", m.name());
        JsonArrayBuilder peers = JSON.createArrayBuilder();
        m.peerURLs().forEach(peers::add);
        JsonArrayBuilder clients = JSON.createArrayBuilder();
        m.clientURLs().forEach(clients::add);
        return b.add("peerURLs", peers).add("clientURLs", clients).build();
    }

    /** etcd's members API answers errors as {"message": ...}. */
    static Response problem(int status, String message) {
        return Response.status(status).type("application/json")
                .entity(JSON.createObjectBuilder().add("message", message).build().toString()).build();
    }

}
