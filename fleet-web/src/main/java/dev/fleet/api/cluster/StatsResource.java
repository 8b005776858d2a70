package dev.fleet.api.cluster;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.node.FleetNode;
import dev.fleet.node.Member;
import dev.fleet.store.raft.RaftStore;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;

import java.lang.management.ManagementFactory;
import java.time.Instant;

/** etcd's /v2/stats/self, /health, /version, plus a liveness probe and the RAFT numbers fleet adds. */
@ApplicationScoped // one instance: no per-request construction and EJB lookup
@Path("")
@Produces("application/json")
public class StatsResource {
    @EJB
    FleetNode node;

    @GET
    @Path("v2/stats/self")
    public String self() {
        RaftStore s = node.store();
        String leader = s.leaderName();
        String start = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).toString();
        JsonObjectBuilder leaderInfo = JSON.createObjectBuilder()
                .add("leader", leader == null ? "" : Member.idOf(leader))
                .add("leaderName", leader == null ? "" : leader)
                .add("startTime", start);
        JsonArrayBuilder members = JSON.createArrayBuilder();
        s.members().forEach(members::add);
        return JSON.createObjectBuilder()
                .add("name", s.name())
                .add("id", Member.idOf(s.name()))
                .add("state", s.isLeader() ? "StateLeader" : "StateFollower")
                .add("startTime", start)
                .add("leaderInfo", leaderInfo)
                .add("term", s.term())
                .add("commitIndex", s.commitIndex())
                .add("appliedIndex", s.appliedIndex())
                .add("etcdIndex", s.index())
                .add("logSize", s.logSize())
                .add("members", members)
                .build().toString();
    }

    /** Readiness (etcd's /health): 200 once a leader is known and this node has announced itself. */
    @GET
    @Path("health")
    public Response health() {
        boolean ok = node.isReady();
        return Response.status(ok ? 200 : 503)
                .entity(JSON.createObjectBuilder().add("health", Boolean.toString(ok)).build().toString()).build();
    }

    /** Liveness: the application is deployed and answering. */
    @GET
    @Path("livez")
    public String live() {
        return "{\"live\":\"true\"}";
    }

    @GET
    @Path("version")
    public String version() {
        return "{\"etcdserver\":\"2.3.8\",\"etcdcluster\":\"2.3.0\",\"fleet\":\"" + dev.fleet.model.FleetVersion.VERSION + "\"}";
    }
}
