package dev.fleet.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A small CA for tests, made with the JDK's keytool (EC P-256: fast), issuing what {@code bin/fleet-ca} issues:
 * {@code NAME.pem}, {@code NAME-key.pem} (PKCS#8), {@code ca.pem}, {@code NAME.p12} (alias {@code fleet}, with the
 * chain), {@code truststore.p12} and {@code NAME.pass}. (fleet-ca's own {@code CaDir} needs BouncyCastle, which an
 * offline build may not have; {@link ClusterCa} runs the real tool for integration tests.) One for the unit tests of
 * fleet-agent and fleet-web.
 */
public final class TestPki {
    public static final String PASSWORD = "test-password";
    public final Path dir;

    /** A new CA in {@code dir}: {@code ca.p12}, {@code ca.pem}. */
    public TestPki(Path dir, String name) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir);
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name + ",O=fleet",
                "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD, "-file", "ca.pem");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("fleet-ca", certificate(dir.resolve("ca.pem")));
        store(trust, dir.resolve("truststore.p12"));
    }

    public Path ca() {
        return dir.resolve("ca.pem");
    }

    public Path cert(String name) {
        return dir.resolve(name + ".pem");
    }

    public Path key(String name) {
        return dir.resolve(name + "-key.pem");
    }

    public Path p12(String name) {
        return dir.resolve(name + ".p12");
    }

    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    public Path passwordFile(String name) {
        return dir.resolve(name + ".pass");
    }

    /** A certificate for {@code subject} (e.g. {@code CN=n1,OU=node,O=fleet}), serverAuth + clientAuth, with {@code ip} as IP SAN if non-null. */
    public TestPki issue(String name, String subject, String ip) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", subject,
                "-validity", "2", "-keystore", name + "-own.p12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", name, "-keystore", name + "-own.p12", "-storepass", PASSWORD, "-file", name + ".csr");
        List<String> gen = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD,
                "-infile", name + ".csr", "-outfile", name + ".pem", "-validity", "2", "-ext", "EKU=serverAuth,clientAuth"));
        if (ip != null) {
            gen.addAll(List.of("-ext", "SAN=IP:" + ip));
        }
        keytool(gen.toArray(String[]::new));
        KeyStore own = load(dir.resolve(name + "-own.p12"));
        PrivateKey key = (PrivateKey) own.getKey(name, PASSWORD.toCharArray());
        Files.writeString(key(name), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        p12.load(null, null);
        p12.setKeyEntry("fleet", key, PASSWORD.toCharArray(), new Certificate[] {certificate(cert(name)), certificate(ca())});
        store(p12, p12(name));
        Files.writeString(passwordFile(name), PASSWORD);
        return this;
    }

    public static Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static KeyStore load(Path file) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        return ks;
    }

    private static void store(KeyStore ks, Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, PASSWORD.toCharArray());
        }
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        // a short-lived JVM each: the C1 compiler and serial GC start it in about half the time
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xshare:auto"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + ": " + out);
        }
    }
}
