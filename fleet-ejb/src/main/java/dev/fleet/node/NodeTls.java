package dev.fleet.node;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Objects;
import java.util.Properties;

/**
 * The node's own TLS identity for HTTPS (its listener is configured by bin/fleet-node's pre-boot lines) and for the
 * calls it makes itself (its own readiness check, {@code --join}, the agents' local APIs): the files
 * {@code bin/fleet-ca issue --kind=node} wrote, a PKCS#12 {@code keystore} (alias {@code fleet}), the CA as a PKCS#12
 * {@code truststore}, and the password of both. From {@code fleet.tls.keystore}, {@code fleet.tls.truststore} and
 * {@code fleet.tls.passwordFile}: all three or none (none: the node serves plain HTTP, on loopback only).
 */
public record NodeTls(Path keystore, Path truststore, String password) {

    public NodeTls {
        Objects.requireNonNull(keystore, "keystore");
        Objects.requireNonNull(truststore, "truststore");
        Objects.requireNonNull(password, "password");
    }

    /** Null when TLS is not configured; a message naming the property or file when it is configured wrongly. */
    public static NodeTls from(Properties p) {
        String keystore = p.getProperty("fleet.tls.keystore", "");
        String truststore = p.getProperty("fleet.tls.truststore", "");
        String passwordFile = p.getProperty("fleet.tls.passwordFile", "");
        if (keystore.isBlank() && truststore.isBlank() && passwordFile.isBlank()) {
            return null;
        }
        if (keystore.isBlank() || truststore.isBlank() || passwordFile.isBlank()) {
            throw new IllegalArgumentException("HTTPS needs all of fleet.tls.keystore, fleet.tls.truststore and fleet.tls.passwordFile");
        }
        String password;
        try {
            password = Files.readString(Path.of(passwordFile)).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("HTTPS: cannot read the password file " + passwordFile + ": " + e.getMessage());
        }
        return new NodeTls(Path.of(keystore), Path.of(truststore), password);
    }

    public static NodeTls fromSystemProperties() {
        return from(System.getProperties());
    }

    /**
     * Presents this node's certificate and trusts only the cluster's CA; TLS 1.3/1.2. The JDK's clients still check
     * the server's name or address against its certificate.
     */
    public SSLContext sslContext() {
        try {
            KeyStore keys = load(keystore);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(truststore));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("HTTPS: cannot open " + keystore + " or " + truststore + ": " + e.getMessage(), e);
        }
    }

    /** An HTTP/1.1 client for the node's own calls: plain without {@code tls}, else presenting the node's certificate. */
    public static java.net.http.HttpClient client(NodeTls tls, java.time.Duration connectTimeout) {
        java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout);
        if (tls != null) {
            b.sslContext(tls.sslContext());
        }
        return b.build();
    }

    private KeyStore load(Path p) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    @Override
    public String toString() {
        return "NodeTls[keystore=" + keystore + ", truststore=" + truststore + "]"; // never the password
    }
}
