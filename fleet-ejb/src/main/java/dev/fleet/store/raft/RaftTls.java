package dev.fleet.store.raft;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Mutual TLS on the RAFT channel's TCP transport: this member's certificate and key ({@code keystore}, PKCS#12) and
 * the cluster's CA ({@code truststore}, PKCS#12, holding only that CA), both opened with {@code password}. A process
 * without a certificate from that CA cannot join, even one that starts before the real members (measured: only
 * transport TLS with client certificates gives that; JGroups' AUTH or SYM_ENCRYPT above discovery do not).
 */
public record RaftTls(Path keystore, Path truststore, String password) {

    public RaftTls {
        Objects.requireNonNull(keystore, "keystore");
        Objects.requireNonNull(truststore, "truststore");
        Objects.requireNonNull(password, "password");
    }

    /** Fails with a message naming the file if either store is missing or unreadable. */
    public RaftTls checked() {
        for (Path p : new Path[] {keystore, truststore}) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("RAFT TLS: " + p + " does not exist or cannot be read");
            }
        }
        return this;
    }

    /** The attributes that switch TLS on in JGroups' {@code <TCP>}: TLS 1.3/1.2, client certificates required. */
    String tcpAttributes() {
        return " tls.enabled=\"true\" tls.client_auth=\"NEED\" tls.protocols=\"TLSv1.3,TLSv1.2\""
                + " tls.keystore_path=\"" + xml(keystore.toAbsolutePath().toString()) + "\" tls.keystore_type=\"PKCS12\""
                + " tls.keystore_password=\"" + xml(password) + "\""
                + " tls.truststore_path=\"" + xml(truststore.toAbsolutePath().toString()) + "\" tls.truststore_type=\"PKCS12\""
                + " tls.truststore_password=\"" + xml(password) + "\"";
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
    }

    @Override
    public String toString() {
        return "RaftTls[keystore=" + keystore + ", truststore=" + truststore + "]"; // never the password
    }
}
