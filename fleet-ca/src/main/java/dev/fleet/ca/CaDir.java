package dev.fleet.ca;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A CA directory: {@code ca.pem}, {@code ca-key.pem} (0600), {@code token-key.pem} (0600), {@code token-pub.pem},
 * {@code token-issuer} and {@code index.tsv} (one line per certificate or token issued). Issued files go to
 * {@code DIR/<kind>s/<name>/} unless told otherwise.
 */
public final class CaDir {
    public static final String CA_CERT = "ca.pem";
    public static final String CA_KEY = "ca-key.pem";
    public static final String TOKEN_KEY = "token-key.pem";
    public static final String TOKEN_PUB = "token-pub.pem";
    public static final String TOKEN_ISSUER = "token-issuer";
    public static final String INDEX = "index.tsv";
    /** The key entry's alias in every issued PKCS#12 keystore (Payara's --sslcert / cert-nickname). */
    public static final String KEY_ALIAS = "fleet";
    /** The CA's alias in every truststore. */
    public static final String CA_ALIAS = "fleet-ca";
    /** JKS: the Payara listener's ssl.trust-store takes JKS or NSS only. */
    public static final String TRUSTSTORE = "truststore.jks";
    /** PKCS#12: the RAFT channel's TLS (fleet.raft.tls.truststore) opens its truststore as PKCS12. */
    public static final String TRUSTSTORE_P12 = "truststore.p12";
    private static final String INDEX_HEADER = "# kind\tname\tsubject\tserial\tnot_after\tfile\n";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    public CaDir(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The default CA directory: {@code ${XDG_CONFIG_HOME:-~/.config}/fleet/ca}. */
    public static Path defaultDir(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("fleet").resolve("ca");
    }

    public boolean exists() {
        return Files.exists(dir.resolve(CA_CERT)) || Files.exists(dir.resolve(CA_KEY));
    }

    // ---- init

    public X509Certificate init(boolean force, int days, String issuer, Instant now) throws IOException, GeneralSecurityException {
        Profiles.checkDays(days);
        if (exists() && !force) {
            throw new UsageError("a CA already exists in " + dir + " (" + CA_CERT + "); --force replaces it, and every certificate and token it issued stops verifying");
        }
        mkdirs(dir);
        KeyPair caKeys = Certs.newKeyPair(Certs.KEY_BITS);
        byte[] id = new byte[4];
        RANDOM.nextBytes(id);
        X509Certificate ca = Certs.ca(caKeys, "fleet cluster CA " + java.util.HexFormat.of().formatHex(id), days, now);
        KeyPair tokenKeys = Certs.newKeyPair(Certs.TOKEN_KEY_BITS);
        writePrivate(dir.resolve(CA_KEY), Pem.privateKey(caKeys.getPrivate()));
        writePublic(dir.resolve(CA_CERT), Pem.certificate(ca));
        writePrivate(dir.resolve(TOKEN_KEY), Pem.privateKey(tokenKeys.getPrivate()));
        writePublic(dir.resolve(TOKEN_PUB), Pem.publicKey(tokenKeys.getPublic()));
        String iss = issuer != null ? issuer : "fleet-ca:" + Certs.fingerprint(ca.getEncoded()).substring(0, 16);
        writePublic(dir.resolve(TOKEN_ISSUER), iss + "\n");
        writePublic(dir.resolve(INDEX), INDEX_HEADER);
        return ca;
    }

    // ---- issue

    /** What {@link #issue} wrote. */
    public record Issued(X509Certificate certificate, Path out, List<Path> files) {
    }

    public Issued issue(Profiles.Request request, Path outDir, boolean force, Instant now) throws IOException, GeneralSecurityException {
        Profiles.Profile profile = Profiles.profile(request);
        requireCa();
        X509Certificate ca = caCertificate();
        PrivateKey caKey = Pem.readPrivateKey(read(dir.resolve(CA_KEY)), dir.resolve(CA_KEY).toString());
        Path out = outDir != null ? outDir : dir.resolve(request.kind().name() + "s").resolve(request.name());
        String name = request.name();
        Path certFile = out.resolve(name + ".pem");
        if (Files.exists(certFile) && !force) {
            throw new UsageError(certFile + " already exists; --force issues a new key and certificate in its place");
        }
        KeyPair keys = Certs.newKeyPair(Certs.KEY_BITS);
        X509Certificate cert = Certs.issue(profile, keys.getPublic(), ca, caKey, now);
        mkdirs(out);
        List<Path> files = new ArrayList<>();
        Path keyFile = out.resolve(name + "-key.pem");
        writePrivate(keyFile, Pem.privateKey(keys.getPrivate()));
        files.add(keyFile);
        writePublic(certFile, Pem.certificate(cert));
        files.add(certFile);
        Path caCopy = out.resolve(CA_CERT);
        writePublic(caCopy, Pem.certificate(ca));
        files.add(caCopy);
        // the Java side (Payara's listener, JGroups' TLS, the agent): a PKCS#12 keystore, the CA as a JKS truststore
        // (the listener's trust-store takes JKS or NSS only) and as a PKCS#12 one (RAFT's TLS), one password for all
        char[] password = password();
        Path passFile = out.resolve(name + ".pass");
        writePrivate(passFile, new String(password));
        files.add(passFile);
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        p12.load(null, null);
        p12.setKeyEntry(KEY_ALIAS, keys.getPrivate(), password, new Certificate[] {cert, ca});
        Path p12File = out.resolve(name + ".p12");
        writePrivate(p12File, store(p12, password));
        files.add(p12File);
        KeyStore trust = KeyStore.getInstance("JKS");
        trust.load(null, null);
        trust.setCertificateEntry(CA_ALIAS, ca);
        Path trustFile = out.resolve(TRUSTSTORE);
        writePublic(trustFile, store(trust, password));
        files.add(trustFile);
        KeyStore trustP12 = KeyStore.getInstance("PKCS12");
        trustP12.load(null, null);
        trustP12.setCertificateEntry(CA_ALIAS, ca);
        Path trustP12File = out.resolve(TRUSTSTORE_P12);
        writePublic(trustP12File, store(trustP12, password));
        files.add(trustP12File);
        if (request.kind() == Profiles.Kind.node && Files.exists(dir.resolve(TOKEN_PUB))) {
            // a node checks bearer tokens: it gets the public half of the token key and the issuer, never the private one
            for (String f : new String[] {TOKEN_PUB, TOKEN_ISSUER}) {
                Path copy = out.resolve(f);
                writePublic(copy, read(dir.resolve(f)));
                files.add(copy);
            }
        }
        appendIndex(request.kind().name(), name, cert.getSubjectX500Principal().getName(), cert.getSerialNumber().toString(16),
                cert.getNotAfter().toInstant(), certFile.toString());
        return new Issued(cert, out, files);
    }

    // ---- token

    public String token(String name, Profiles.Role role, int days, String issuer, String audience, Instant now)
            throws IOException, GeneralSecurityException {
        Profiles.checkName(name);
        Profiles.checkDays(days);
        requireCa();
        Path keyFile = dir.resolve(TOKEN_KEY);
        if (!Files.exists(keyFile)) {
            throw new UsageError("no token signing key in " + dir + " (" + TOKEN_KEY + " missing)");
        }
        PrivateKey key = Pem.readPrivateKey(read(keyFile), keyFile.toString());
        String iss = issuer != null ? issuer : issuer();
        String kid = Certs.fingerprint(Pem.readPublicKey(read(dir.resolve(TOKEN_PUB)), TOKEN_PUB).getEncoded()).substring(0, 16);
        String jti = UUID.randomUUID().toString();
        Instant iat = now.truncatedTo(ChronoUnit.SECONDS);
        long seconds = days * 86_400L;
        String jwt = Jwt.encode(Jwt.header(kid), Jwt.claims(iss, name, role, audience, iat, seconds, jti), key);
        appendIndex("token", name, "groups=" + role.name(), jti, iat.plusSeconds(seconds), "-");
        return jwt;
    }

    public String issuer() throws IOException {
        Path f = dir.resolve(TOKEN_ISSUER);
        if (Files.exists(f)) {
            return read(f).trim();
        }
        try {
            return "fleet-ca:" + Certs.fingerprint(caCertificate().getEncoded()).substring(0, 16);
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    // ---- show

    public void show(PrintStream out, Instant now) throws IOException, GeneralSecurityException {
        requireCa();
        X509Certificate ca = caCertificate();
        out.println("CA:     " + ca.getSubjectX500Principal().getName() + "  until " + ca.getNotAfter().toInstant()
                + (ca.getNotAfter().toInstant().isBefore(now) ? " (EXPIRED)" : ""));
        out.println("        sha256 " + Certs.fingerprint(ca.getEncoded()) + "  " + dir.resolve(CA_CERT));
        out.println("tokens: issuer " + issuer() + "  public key " + dir.resolve(TOKEN_PUB));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "NAME", "SUBJECT", "NOT AFTER", "STATUS", "FILE"});
        Path index = dir.resolve(INDEX);
        if (Files.exists(index)) {
            for (String line : Files.readAllLines(index, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f.length < 6) {
                    continue;
                }
                Instant notAfter = Instant.parse(f[4]);
                rows.add(new String[] {f[0], f[1], f[2], f[4], notAfter.isBefore(now) ? "expired" : "valid", f[5]});
            }
        }
        int[] w = new int[6];
        for (String[] r : rows) {
            for (int i = 0; i < 6; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                b.append(i < 5 ? String.format("%-" + (w[i] + 2) + "s", r[i]) : r[i]);
            }
            out.println(b.toString().stripTrailing());
        }
    }

    // ---- files

    public X509Certificate caCertificate() throws IOException, GeneralSecurityException {
        requireCa();
        return Pem.readCertificate(read(dir.resolve(CA_CERT)), dir.resolve(CA_CERT).toString());
    }

    private void requireCa() {
        if (!Files.exists(dir.resolve(CA_CERT)) || !Files.exists(dir.resolve(CA_KEY))) {
            throw new UsageError("no CA in " + dir + " (" + CA_CERT + " or " + CA_KEY + " missing): run 'fleet-ca init --dir=" + dir + "' first");
        }
    }

    private void appendIndex(String kind, String name, String subject, String serial, Instant notAfter, String file) throws IOException {
        Path index = dir.resolve(INDEX);
        if (!Files.exists(index)) {
            writePublic(index, INDEX_HEADER);
        }
        String line = String.join("\t", kind, name, subject.replace('\t', ' '), serial, notAfter.toString(), file) + "\n";
        Files.writeString(index, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static char[] password() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b).toCharArray();
    }

    private static byte[] store(KeyStore ks, char[] password) throws IOException, GeneralSecurityException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ks.store(bytes, password);
        return bytes.toByteArray();
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static void mkdirs(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /** Created 0600 from the start (never readable by others, not even briefly); an existing file is replaced. */
    static void writePrivate(Path p, String text) throws IOException {
        writePrivate(p, text.getBytes(StandardCharsets.UTF_8));
    }

    static void writePrivate(Path p, byte[] bytes) throws IOException {
        Files.deleteIfExists(p);
        try {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create " + p + ": it appeared while writing");
        }
        // the umask may strip bits but never adds any: set them exactly
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        Files.write(p, bytes, StandardOpenOption.TRUNCATE_EXISTING);
    }

    static void writePublic(Path p, String text) throws IOException {
        writePublic(p, text.getBytes(StandardCharsets.UTF_8));
    }

    static void writePublic(Path p, byte[] bytes) throws IOException {
        Files.deleteIfExists(p);
        Files.write(p, bytes, StandardOpenOption.CREATE_NEW);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
