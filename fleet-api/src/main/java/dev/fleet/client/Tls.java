package dev.fleet.client;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLS for the API client from PEM files, as fleet's client and etcdctl take them: the CA certificates that sign the
 * nodes' certificates ({@code --ca-file}), and this client's certificate and PKCS#8 key ({@code --cert-file},
 * {@code --key-file}). Unlike fleet's Go client, a CA file alone still checks the server (fleet skipped the check when
 * no client certificate was given). TLS 1.2 or later; the JDK checks the server's name or IP against its SANs.
 */
public final class Tls {
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final char[] NO_PASSWORD = new char[0];

    private Tls() {
    }

    /** A file or its contents fleetctl cannot use; the message names the file and says why. */
    public static final class TlsException extends IllegalArgumentException {
        public TlsException(String message) {
            super(message);
        }
    }

    /**
     * @param caFile   PEM CA certificates to trust, or null for the JDK's default trust
     * @param certFile this client's PEM certificate (chain), or null for none
     * @param keyFile  its PEM PKCS#8 private key; given exactly when {@code certFile} is
     */
    public static SSLContext fromPem(Path caFile, Path certFile, Path keyFile) {
        if ((certFile == null) != (keyFile == null)) {
            throw new TlsException("a client certificate needs its key and a key its certificate (--cert-file and --key-file)");
        }
        try {
            TrustManagerFactory tmf = null;
            if (caFile != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate c : certificates(caFile)) {
                    trust.setCertificateEntry("ca-" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (certFile != null) {
                List<Certificate> chain = certificates(certFile);
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", privateKey(keyFile), NO_PASSWORD, chain.toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, NO_PASSWORD);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException("cannot set up TLS: " + e.getMessage());
        }
    }

    /** The TLS versions a server built by {@link #serverFromPem} should enable (set them in its SSLParameters). */
    public static final String[] SERVER_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * A server's context from the same PEM files: it presents {@code certFile} with {@code keyFile} and trusts, for
     * client certificates, only the CA certificates in {@code caFile} (never the JDK's default roots). All three are
     * required; the server still has to ask for client certificates ({@code SSLParameters.setNeedClientAuth}).
     */
    public static SSLContext serverFromPem(Path caFile, Path certFile, Path keyFile) {
        if (caFile == null || certFile == null || keyFile == null) {
            throw new TlsException("a TLS server needs the CA file, its certificate and its key");
        }
        return fromPem(caFile, certFile, keyFile);
    }

    /** Every certificate in a PEM file (at least one). */
    static List<Certificate> certificates(Path file) {
        byte[] pem = read(file);
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            if (certs.isEmpty()) {
                throw new TlsException(file + " holds no PEM certificate");
            }
            return new ArrayList<>(certs);
        } catch (java.security.cert.CertificateException e) {
            throw new TlsException(file + " is not a PEM certificate file: " + e.getMessage());
        }
    }

    /** A PKCS#8 private key ({@code BEGIN PRIVATE KEY}): EC, RSA or Ed25519. */
    static PrivateKey privateKey(Path file) {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        Matcher m = PRIVATE_KEY.matcher(text);
        if (!m.find()) {
            if (text.contains("BEGIN EC PRIVATE KEY") || text.contains("BEGIN RSA PRIVATE KEY")) {
                throw new TlsException(file + " is a PKCS#1/SEC1 key: convert it to PKCS#8 with "
                        + "'openssl pkcs8 -topk8 -nocrypt -in " + file + "'");
            }
            if (text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
                throw new TlsException(file + " is encrypted: fleetctl takes an unencrypted PKCS#8 key");
            }
            throw new TlsException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new TlsException(file + ": the key is not valid base64");
        }
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm
            }
        }
        throw new TlsException(file + " holds a private key of an algorithm fleetctl does not know (EC, RSA, Ed25519)");
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
