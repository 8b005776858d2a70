package dev.fleet.api.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.security.KeyFactory;
import java.security.GeneralSecurityException;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * Checks a bearer token as {@code bin/fleet-ca token} mints it (MicroProfile JWT claims, RS256): signed by the
 * cluster's token key (the node holds only the public key), {@code iss} this cluster's issuer, {@code exp} in the
 * future and {@code iat}/{@code nbf} not (one minute of clock skew), {@code aud} containing the configured audience
 * when one is configured, the name from {@code upn} (else {@code sub}), the role the highest of {@code groups} that
 * is a role. Verified with nimbus-jose-jwt here, not by Payara's MP-JWT mechanism, so that certificates and tokens
 * meet in one access check that answers fleet's and etcd's error JSON (Payara's mechanism answers HTML 401s, and
 * beside a second mechanism in one WAR every request failed: docs/security.md).
 */
public final class TokenVerifier {
    static final Duration SKEW = Duration.ofSeconds(60);
    /** A token longer than this is refused unparsed (a bound on the work one header can cause). */
    static final int MAX_TOKEN_CHARS = 8192;

    private final RSASSAVerifier verifier;
    private final String issuer;
    private final String audience;
    private final Clock clock;

    /** Why a token was refused; the message is safe to show the caller. */
    public static final class Rejected extends Exception {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    public TokenVerifier(RSAPublicKey key, String issuer, String audience, Clock clock) {
        this.verifier = new RSASSAVerifier(Objects.requireNonNull(key, "key"));
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.audience = audience == null || audience.isBlank() ? null : audience;
        this.clock = clock;
    }

    /** The public key from {@code token-pub.pem} (SubjectPublicKeyInfo PEM). */
    public static RSAPublicKey publicKey(String pem) {
        String b64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException("not an RSA public key in PEM (token-pub.pem): " + e.getMessage());
        }
    }

    public Identity verify(String token) throws Rejected {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new Rejected("the bearer token is longer than " + MAX_TOKEN_CHARS + " characters");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new Rejected("the bearer token is not a signed JWT");
        }
        if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm())) {
            throw new Rejected("the bearer token must be signed with RS256");
        }
        try {
            if (!jwt.verify(verifier)) {
                throw new Rejected("the bearer token's signature is not this cluster's");
            }
        } catch (JOSEException e) {
            throw new Rejected("the bearer token's signature cannot be checked");
        }
        Instant now = clock.instant();
        if (!issuer.equals(claims.getIssuer())) {
            throw new Rejected("the bearer token's issuer is not this cluster's");
        }
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new Rejected("the bearer token has no expiry (exp)");
        }
        if (!exp.toInstant().plus(SKEW).isAfter(now)) {
            throw new Rejected("the bearer token expired at " + exp.toInstant());
        }
        for (Date d : new Date[] {claims.getIssueTime(), claims.getNotBeforeTime()}) {
            if (d != null && d.toInstant().minus(SKEW).isAfter(now)) {
                throw new Rejected("the bearer token is not valid yet (iat/nbf in the future)");
            }
        }
        if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            throw new Rejected("the bearer token is not for audience " + audience);
        }
        String name;
        List<String> groups;
        try {
            name = claims.getStringClaim("upn");
            groups = claims.getStringListClaim("groups");
        } catch (ParseException e) {
            throw new Rejected("the bearer token's upn or groups claim is malformed");
        }
        if (name == null || name.isBlank()) {
            name = claims.getSubject();
        }
        if (name == null || name.isBlank()) {
            throw new Rejected("the bearer token names nobody (no upn or sub)");
        }
        Identity.Role role = null;
        for (String g : groups == null ? List.<String>of() : groups) {
            Identity.Role r = Identity.Role.of(g);
            if (r != null && (role == null || r.allows(role))) {
                role = r;
            }
        }
        if (role == null) {
            throw new Rejected("the bearer token's groups hold no role (read, operate or admin)");
        }
        return Identity.token(name, role);
    }
}
