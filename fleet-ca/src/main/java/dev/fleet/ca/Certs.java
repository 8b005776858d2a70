package dev.fleet.ca;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * X.509 certificates from {@link Profiles.Profile}s, with BouncyCastle's builder and the JDK's own providers for keys
 * and signatures (BC is never registered as a provider). RSA 3072 keys, SHA256withRSA signatures: what JSSE (Payara's
 * Grizzly listener, JGroups' TLS transport) and every Go crypto/tls (fleet's Go fleetctl) accept.
 */
public final class Certs {
    public static final String KEY_ALGORITHM = "RSA";
    public static final int KEY_BITS = 3072;
    public static final int TOKEN_KEY_BITS = 2048;
    public static final String SIGNATURE = "SHA256withRSA";
    /** notBefore is this much in the past, for clocks a little behind the CA's. */
    static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certs() {
    }

    public static KeyPair newKeyPair(int bits) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance(KEY_ALGORITHM);
        g.initialize(bits, RANDOM);
        return g.generateKeyPair();
    }

    /** The self-signed cluster CA: CA:true, path length 0 (it signs members only), keyCertSign + cRLSign. */
    public static X509Certificate ca(KeyPair keys, String commonName, int days, Instant now) throws GeneralSecurityException {
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "fleet").addRDN(BCStyle.CN, commonName).build();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(BACKDATE)),
                Date.from(now.plus(Duration.ofDays(days))), name, keys.getPublic());
        JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(keys.getPublic()));
        } catch (CertIOException e) {
            throw new GeneralSecurityException(e);
        }
        return sign(b, keys.getPrivate());
    }

    /** The subject of a member certificate: O=fleet, OU=kind or role, CN=name (RFC 2253: CN=..,OU=..,O=fleet). */
    public static X500Name subject(Profiles.Profile p) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "fleet").addRDN(BCStyle.OU, p.unit())
                .addRDN(BCStyle.CN, p.commonName()).build();
    }

    /** The SANs of a profile, IP addresses first; empty when it has none. */
    public static List<GeneralName> altNames(Profiles.Profile p) {
        List<GeneralName> names = new ArrayList<>();
        p.ips().forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        p.dns().forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
        return names;
    }

    public static List<KeyPurposeId> extendedKeyUsages(Profiles.Profile p) {
        List<KeyPurposeId> ids = new ArrayList<>();
        if (p.serverAuth()) {
            ids.add(KeyPurposeId.id_kp_serverAuth);
        }
        if (p.clientAuth()) {
            ids.add(KeyPurposeId.id_kp_clientAuth);
        }
        return ids;
    }

    /** A member certificate signed by the CA: CA:false, digitalSignature + keyEncipherment, the profile's EKUs and SANs. */
    public static X509Certificate issue(Profiles.Profile p, PublicKey subjectKey, X509Certificate ca, PrivateKey caKey, Instant now)
            throws GeneralSecurityException {
        Instant notAfter = now.plus(Duration.ofDays(p.days()));
        if (notAfter.isAfter(ca.getNotAfter().toInstant())) {
            notAfter = ca.getNotAfter().toInstant();
        }
        X500Name issuer = X500Name.getInstance(ca.getSubjectX500Principal().getEncoded());
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(now.minus(BACKDATE)),
                Date.from(notAfter), subject(p), subjectKey);
        JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extendedKeyUsages(p).toArray(KeyPurposeId[]::new)));
            List<GeneralName> sans = altNames(p);
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(ca));
        } catch (CertIOException e) {
            throw new GeneralSecurityException(e);
        }
        return sign(b, caKey);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** 159 random bits, positive: unique, and within RFC 5280's 20 octets. */
    private static BigInteger serial() {
        return new BigInteger(159, RANDOM).setBit(158);
    }

    /** SHA-256 of the DER, lower-case hex. */
    public static String fingerprint(byte[] der) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
