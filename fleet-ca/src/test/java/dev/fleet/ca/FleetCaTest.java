package dev.fleet.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FleetCaTest {
    Path tmp;
    Path dir;
    X509Certificate ca;

    @BeforeAll
    void init(@TempDir Path t) throws Exception {
        tmp = t;
        dir = tmp.resolve("ca");
        Run r = Run.of("init", "--dir=" + dir).ok();
        assertThat(r.out()).contains("created CA");
        ca = read(dir.resolve("ca.pem"));
    }

    static X509Certificate read(Path p) throws Exception {
        return Pem.readCertificate(Files.readString(p), p.toString());
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    void validates(X509Certificate leaf, X509Certificate anchor) throws Exception {
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
    }

    @Test
    void initWritesTheCaAndTokenKeysWithPrivateModes() throws Exception {
        assertThat(mode(dir.resolve("ca-key.pem"))).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("token-key.pem"))).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("ca.pem"))).isEqualTo("rw-r--r--");
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(ca.getBasicConstraints()).isEqualTo(0);
        assertThat(ca.getKeyUsage()[5]).isTrue(); // keyCertSign
        assertThat(((RSAPublicKey) ca.getPublicKey()).getModulus().bitLength()).isEqualTo(3072);
        assertThat(ca.getSigAlgName()).isEqualTo("SHA256withRSA");
        ca.verify(ca.getPublicKey());
        assertThat(Files.readString(dir.resolve("token-issuer")).trim()).matches("fleet-ca:[0-9a-f]{16}");
        assertThat(Files.readString(dir.resolve("token-pub.pem"))).startsWith("-----BEGIN PUBLIC KEY-----\n");
    }

    @Test
    void initRefusesToOverwriteUnlessForced() throws Exception {
        Run r = Run.of("init", "--dir=" + dir);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("fleet-ca init: a CA already exists in " + dir).contains("--force").doesNotContain("Exception");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(read(dir.resolve("ca.pem"))).isEqualTo(ca);

        Path other = tmp.resolve("forced");
        Run.of("init", "--dir=" + other).ok();
        X509Certificate first = read(other.resolve("ca.pem"));
        Run.of("init", "--dir=" + other, "--force").ok();
        assertThat(read(other.resolve("ca.pem"))).isNotEqualTo(first);
    }

    @Test
    void nodeCertificateChainsToTheCaWithItsSansAndEkus() throws Exception {
        Path out = tmp.resolve("n1");
        Run r = Run.of("issue", "--dir=" + dir, "--kind=node", "--name=n1", "--ip=10.0.0.1,::1", "--dns=n1.fleet.test", "--days=30", "--out=" + out).ok();
        assertThat(r.out()).contains("issued node n1: CN=n1,OU=node,O=fleet");
        X509Certificate c = read(out.resolve("n1.pem"));
        validates(c, ca);
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=n1,OU=node,O=fleet");
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        Collection<List<?>> sans = c.getSubjectAlternativeNames();
        assertThat(sans).containsExactlyInAnyOrder(List.of(7, "10.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"), List.of(2, "n1.fleet.test"));
        Duration validity = Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
        assertThat(validity).isEqualTo(Duration.ofDays(30).plus(Certs.BACKDATE));
        assertThat(c.getNotAfter().toInstant()).isBetween(Instant.now().plus(Duration.ofDays(30)).minusSeconds(60), Instant.now().plus(Duration.ofDays(30)));
        assertThat(mode(out.resolve("n1-key.pem"))).isEqualTo("rw-------");
        assertThat(mode(out.resolve("n1.pass"))).isEqualTo("rw-------");
        assertThat(mode(out.resolve("n1.p12"))).isEqualTo("rw-------");
        // the key matches the certificate, and the keystores open with the password file's password
        char[] pass = Files.readString(out.resolve("n1.pass")).toCharArray();
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(out.resolve("n1.p12"))) {
            p12.load(in, pass);
        }
        assertThat(p12.getCertificate(CaDir.KEY_ALIAS)).isEqualTo(c);
        assertThat(p12.getCertificateChain(CaDir.KEY_ALIAS)).hasSize(2);
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(Pem.readPrivateKey(Files.readString(out.resolve("n1-key.pem")), "key"));
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        s.initVerify(c.getPublicKey());
        s.update(new byte[] {1, 2, 3});
        assertThat(s.verify(sig)).isTrue();
        KeyStore trust = KeyStore.getInstance("JKS");
        try (var in = Files.newInputStream(out.resolve(CaDir.TRUSTSTORE))) {
            trust.load(in, pass);
        }
        assertThat(trust.getCertificate(CaDir.CA_ALIAS)).isEqualTo(ca);
        assertThat(trust.size()).isEqualTo(1);
        // as the RAFT channel's TLS opens it (fleet.raft.tls.truststore: PKCS12, the password file stripped)
        KeyStore trustP12 = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(out.resolve(CaDir.TRUSTSTORE_P12))) {
            trustP12.load(in, Files.readString(out.resolve("n1.pass")).strip().toCharArray());
        }
        assertThat(trustP12.getCertificate(CaDir.CA_ALIAS)).isEqualTo(ca);
        assertThat(trustP12.size()).isEqualTo(1);
        assertThat(trustP12.isCertificateEntry(CaDir.CA_ALIAS)).isTrue();
    }

    @Test
    void agentAndClientCertificates() throws Exception {
        Run.of("issue", "--dir=" + dir, "--kind=agent", "--machine-id=0123456789abcdef0123456789abcdef", "--ip=10.0.0.7").ok();
        X509Certificate a = read(dir.resolve("agents/0123456789abcdef0123456789abcdef/0123456789abcdef0123456789abcdef.pem"));
        validates(a, ca);
        assertThat(a.getSubjectX500Principal().getName()).isEqualTo("CN=0123456789abcdef0123456789abcdef,OU=agent,O=fleet");
        assertThat(a.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");

        Run.of("issue", "--dir=" + dir, "--kind=client", "--name=alice", "--role=operate").ok();
        X509Certificate c = read(dir.resolve("clients/alice/alice.pem"));
        validates(c, ca);
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=alice,OU=operate,O=fleet");
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(c.getSubjectAlternativeNames()).isNull();
        assertThat(Duration.between(Instant.now(), c.getNotAfter().toInstant()).toDays()).isEqualTo(364);

        Run again = Run.of("issue", "--dir=" + dir, "--kind=client", "--name=alice", "--role=admin");
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("already exists").contains("--force");
        Run.of("issue", "--dir=" + dir, "--kind=client", "--name=alice", "--role=admin", "--force").ok();
        assertThat(read(dir.resolve("clients/alice/alice.pem")).getSubjectX500Principal().getName()).isEqualTo("CN=alice,OU=admin,O=fleet");

        Run show = Run.of("show", "--dir=" + dir).ok();
        assertThat(show.out()).contains("CA:     CN=fleet cluster CA").contains("KIND").contains("NOT AFTER")
                .containsPattern("client +alice +CN=alice,OU=operate,O=fleet +\\d{4}-\\d\\d-\\d\\dT\\S+ +valid")
                .contains("CN=alice,OU=admin,O=fleet")
                .containsPattern("agent +0123456789abcdef0123456789abcdef");
    }

    @Test
    void aCertificateFromAnotherCaDoesNotChain() throws Exception {
        Path other = tmp.resolve("other");
        Run.of("init", "--dir=" + other).ok();
        Run.of("issue", "--dir=" + other, "--kind=client", "--name=mallory", "--role=admin").ok();
        X509Certificate m = read(other.resolve("clients/mallory/mallory.pem"));
        assertThatThrownBy(() -> validates(m, ca)).isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void tokenIsAnRs256MpJwtThatVerifiesWithThePublicKey() throws Exception {
        Run r = Run.of("token", "--dir=" + dir, "--name=alice", "--role=operate", "--days=2").ok();
        String jwt = r.out().trim();
        String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);
        PublicKey pub = Pem.readPublicKey(Files.readString(dir.resolve("token-pub.pem")), "pub");
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(pub);
        s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(s.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
        String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String iss = Files.readString(dir.resolve("token-issuer")).trim();
        assertThat(claims).contains("\"iss\":\"" + iss + "\"", "\"sub\":\"alice\"", "\"upn\":\"alice\"", "\"groups\":[\"operate\"]")
                .containsPattern("\"jti\":\"[0-9a-f-]{36}\"").doesNotContain("\"aud\"");
        long iat = Long.parseLong(claims.replaceAll(".*\"iat\":(\\d+).*", "$1"));
        long exp = Long.parseLong(claims.replaceAll(".*\"exp\":(\\d+).*", "$1"));
        assertThat(exp - iat).isEqualTo(2 * 86_400L);
        assertThat(Math.abs(iat - Instant.now().getEpochSecond())).isLessThan(60);

        String withAud = Run.of("token", "--dir=" + dir, "--name=ci", "--role=read", "--audience=fleet", "--issuer=me").ok().out().trim();
        String c2 = new String(Base64.getUrlDecoder().decode(withAud.split("\\.")[1]), StandardCharsets.UTF_8);
        assertThat(c2).contains("\"iss\":\"me\"", "\"aud\":\"fleet\"", "\"groups\":[\"read\"]");
        assertThat(Run.of("show", "--dir=" + dir).ok().out()).containsPattern("token +alice +groups=operate");
    }

    @Test
    void badInputExitsTwoWithOneLine() {
        Path none = tmp.resolve("nothing-here");
        String[][] cases = {
            {"issue", "--dir=" + dir, "--kind=server", "--name=x"},
            {"issue", "--dir=" + dir, "--kind=node", "--name=x", "--ip=10.0.0.256"},
            {"issue", "--dir=" + dir, "--kind=client", "--name=x", "--role=root"},
            {"issue", "--dir=" + none, "--kind=client", "--name=x"},
            {"token", "--dir=" + none, "--name=x", "--role=read"},
            {"token", "--dir=" + dir, "--name=x", "--role=superuser"},
            {"show", "--dir=" + none},
            {"issue", "--dir=" + dir, "--name=x"},
            {"issue", "--dir=" + dir, "--kind=node", "--name=x", "--ip=10.0.0.1", "--days=abc"},
            {"issue", "--dir=" + dir, "--kind=node", "--name=x", "--bogus"},
            {"frobnicate"},
            {},
        };
        String[] expected = {
            "fleet-ca issue: --kind: 'server' is not one of node, agent, client",
            "fleet-ca issue: --ip: '10.0.0.256' is not an IPv4 or IPv6 address",
            "fleet-ca issue: --role: 'root' is not one of read, operate, admin",
            "fleet-ca issue: no CA in " + none,
            "fleet-ca token: no CA in " + none,
            "fleet-ca token: --role: 'superuser'",
            "fleet-ca show: no CA in " + none,
            "fleet-ca issue: Missing required option: '--kind",
            "fleet-ca issue: Invalid value for option '--days'",
            "fleet-ca issue: Unknown option: '--bogus'",
            "fleet-ca: Unmatched argument",
            "fleet-ca: a command is needed",
        };
        for (int i = 0; i < cases.length; i++) {
            Run r = Run.of(cases[i]);
            assertThat(r.code()).as(String.join(" ", cases[i])).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", cases[i])).startsWith(expected[i]).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(r.err().lines()).as(String.join(" ", cases[i])).hasSize(1);
            assertThat(r.out()).isEmpty();
        }
        assertThat(Files.exists(none)).isFalse();
    }
}
