package dev.fleet.node;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** A control-plane member as etcd's /v2/members shows it; the id is derived from the name, stable everywhere. */
public record Member(String id, String name, List<String> peerURLs, List<String> clientURLs) {

    public static Member of(String name, String peerUrl, String clientUrl) {
        return new Member(idOf(name), name, peerUrl == null ? List.of() : List.of(peerUrl),
                clientUrl == null ? List.of() : List.of(clientUrl));
    }

    public static String idOf(String name) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The RAFT address from a peer URL such as {@code tcp://10.0.0.1:7800}. */
    public static InetSocketAddress raftAddress(String peerUrl) {
        URI u;
        try {
            u = URI.create(peerUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("peer URL '" + peerUrl + "' is not a URL");
        }
        if (u.getHost() == null || u.getPort() < 1) {
            throw new IllegalArgumentException("peer URL '" + peerUrl + "' needs a host and a port, e.g. tcp://127.0.0.1:7800");
        }
        return InetSocketAddress.createUnresolved(u.getHost(), u.getPort());
    }
}
