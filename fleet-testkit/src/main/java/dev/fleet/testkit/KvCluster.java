package dev.fleet.testkit;

import java.net.URI;
import java.util.List;

/**
 * A running cluster that serves the etcd v2 key API ({@code /v2/keys}) on each member's client URL: a real etcd
 * ({@link EtcdCluster}) or fleet's own control plane. Closing it stops what it started.
 */
public interface KvCluster extends AutoCloseable {

    /** One base URL per member, e.g. {@code http://127.0.0.1:23790}; the API is under {@code /v2/keys}. */
    List<URI> clientUrls();

    /** What a client needs to read and write keys here (plain HTTP unless the cluster is secured). */
    default EtcdV2Client.Auth auth() {
        return EtcdV2Client.Auth.NONE;
    }

    @Override
    void close();
}
