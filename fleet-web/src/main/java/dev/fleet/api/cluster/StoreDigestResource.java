package dev.fleet.api.cluster;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.node.FleetNode;
import dev.fleet.store.raft.RaftStore;
import dev.fleet.store.raft.StoreDigest;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/**
 * {@code GET /fleet/admin/v1/store} (admin): this replica's store index, RAFT indexes and a SHA-256 of its whole
 * content, so that an operator (or a test) can see that replicas at the same index hold the same state.
 */
@ApplicationScoped
@Path("fleet/admin/v1/store")
@Produces("application/json")
public class StoreDigestResource {
    @EJB
    FleetNode node;

    @GET
    public String digest() {
        RaftStore store = node.store();
        StoreDigest d = store.digest();
        return JSON.createObjectBuilder()
                .add("index", d.index())
                .add("sha256", d.sha256())
                .add("snapshotBytes", d.bytes())
                .add("raftAppliedIndex", store.appliedIndex())
                .add("raftCommitIndex", store.commitIndex())
                .add("raftTerm", store.term())
                .build().toString();
    }
}
