package dev.fleet.ca;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM text: certificates, PKCS#8 private keys ("PRIVATE KEY"), X.509 SubjectPublicKeyInfo public keys ("PUBLIC KEY"). */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

    private Pem() {
    }

    public static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    public static String certificate(X509Certificate c) throws GeneralSecurityException {
        return encode("CERTIFICATE", c.getEncoded());
    }

    /** The JDK's {@code getEncoded()} of a private key is PKCS#8. */
    public static String privateKey(PrivateKey k) {
        return encode("PRIVATE KEY", k.getEncoded());
    }

    public static String publicKey(PublicKey k) {
        return encode("PUBLIC KEY", k.getEncoded());
    }

    /** The DER of every block of the given type, in order. */
    public static List<byte[]> blocks(String text, String type) {
        List<byte[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return out;
    }

    private static byte[] one(String text, String type, String what) {
        List<byte[]> b = blocks(text, type);
        if (b.isEmpty()) {
            throw new UsageError(what + " holds no " + type + " block");
        }
        return b.get(0);
    }

    public static X509Certificate readCertificate(String text, String what) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(one(text, "CERTIFICATE", what)));
    }

    public static PrivateKey readPrivateKey(String text, String what) throws GeneralSecurityException {
        return KeyFactory.getInstance(Certs.KEY_ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(one(text, "PRIVATE KEY", what)));
    }

    public static PublicKey readPublicKey(String text, String what) throws GeneralSecurityException {
        return KeyFactory.getInstance(Certs.KEY_ALGORITHM).generatePublic(new X509EncodedKeySpec(one(text, "PUBLIC KEY", what)));
    }
}
