package dev.fleet.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.fleet.api.security.Identity.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;

class TokenVerifierTest {
    static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    static final String ISS = "fleet-ca:0123456789abcdef";
    static KeyPair keys;
    static KeyPair other;
    static TokenVerifier verifier;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        keys = g.generateKeyPair();
        other = g.generateKeyPair();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        verifier = new TokenVerifier(TokenVerifier.publicKey(pem), ISS, null, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static String token(KeyPair k, UnaryOperator<JWTClaimsSet.Builder> edit) throws Exception {
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(ISS).subject("ci").claim("upn", "ci")
                .claim("groups", List.of("operate")).issueTime(Date.from(NOW.minusSeconds(10)))
                .expirationTime(Date.from(NOW.plusSeconds(3600))).jwtID("j1");
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), edit.apply(c).build());
        jwt.sign(new RSASSASigner(k.getPrivate()));
        return jwt.serialize();
    }

    @Test
    void aTokenOfThisClusterNamesItsHolderAndRole() throws Exception {
        assertThat(verifier.verify(token(keys, c -> c))).isEqualTo(Identity.token("ci", Role.OPERATE));
        assertThat(verifier.verify(token(keys, c -> c.claim("groups", List.of("read", "admin", "x")))).role()).isEqualTo(Role.ADMIN);
        assertThat(verifier.verify(token(keys, c -> c.claim("upn", null).subject("bot"))).name()).isEqualTo("bot");
        // within the minute of skew
        assertThat(verifier.verify(token(keys, c -> c.expirationTime(Date.from(NOW.minusSeconds(30)))))).isNotNull();
    }

    @Test
    void refusedTokensSayWhy() throws Exception {
        assertRejected(token(other, c -> c), "signature");
        assertRejected(token(keys, c -> c.expirationTime(Date.from(NOW.minusSeconds(120)))), "expired");
        assertRejected(token(keys, c -> c.expirationTime(null)), "no expiry");
        assertRejected(token(keys, c -> c.issueTime(Date.from(NOW.plusSeconds(600)))), "not valid yet");
        assertRejected(token(keys, c -> c.issuer("someone-else")), "issuer");
        assertRejected(token(keys, c -> c.claim("groups", List.of("agent", "node"))), "no role");
        assertRejected(token(keys, c -> c.claim("groups", null)), "no role");
        assertRejected(token(keys, c -> c.claim("upn", null).subject(null)), "names nobody");
        assertRejected("not.a.jwt", "not a signed JWT");
        assertRejected("x".repeat(10_000), "longer than");
        assertRejected(new PlainJWT(new JWTClaimsSet.Builder().issuer(ISS).build()).serialize(), "not a signed JWT");
        // HS256 keyed with the public key's bytes: the classic algorithm confusion
        SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().issuer(ISS)
                .claim("upn", "evil").claim("groups", List.of("admin")).expirationTime(Date.from(NOW.plusSeconds(60))).build());
        hs.sign(new MACSigner(((RSAPublicKey) keys.getPublic()).getEncoded()));
        assertRejected(hs.serialize(), "RS256");
    }

    @Test
    void anAudienceWhenConfigured() throws Exception {
        TokenVerifier withAud = new TokenVerifier((RSAPublicKey) keys.getPublic(), ISS, "fleet", Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(withAud.verify(token(keys, c -> c.audience("fleet")))).isNotNull();
        assertThatThrownBy(() -> withAud.verify(token(keys, c -> c))).hasMessageContaining("audience");
    }

    @Test
    void accessOnAskesForAValidTokenEvenBesideACertificate() throws Exception {
        Access a = Access.on(verifier);
        assertThat(a.identify(null, "Bearer " + token(keys, c -> c))).isEqualTo(new Access.Known(Identity.token("ci", Role.OPERATE)));
        assertThat(a.identify(null, "Basic YTpi")).isInstanceOf(Access.BadToken.class);
        assertThat(a.identify(null, "Bearer " + token(other, c -> c))).isInstanceOf(Access.BadToken.class);
        assertThat(a.decide("GET", "/fleet/v1/units", a.identify(null, "Bearer junk")).status()).isEqualTo(401);
        assertThat(a.decide("GET", "/health", a.identify(null, "Bearer junk"))).isNull(); // probes stay open
        assertThat(a.identify(null, null)).isEqualTo(new Access.Known(Identity.ANONYMOUS));
        assertThat(Access.on(null).identify(null, "Bearer x")).isInstanceOf(Access.BadToken.class);
        Access off = Access.off();
        assertThat(off.decide("DELETE", "/v2/members/x", off.identify(null, null))).isNull();
    }

    private static void assertRejected(String token, String why) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(TokenVerifier.Rejected.class).hasMessageContaining(why);
    }
}
