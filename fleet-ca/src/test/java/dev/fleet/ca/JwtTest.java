package dev.fleet.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JwtTest {
    @Test
    void claimsAreMpJwts() {
        Map<String, Object> c = Jwt.claims("fleet-ca:abc", "alice", Profiles.Role.operate, null, Instant.ofEpochSecond(1_000), 3_600, "j1");
        assertThat(c).containsExactly(Map.entry("iss", "fleet-ca:abc"), Map.entry("sub", "alice"), Map.entry("upn", "alice"),
                Map.entry("groups", List.of("operate")), Map.entry("iat", 1_000L), Map.entry("exp", 4_600L), Map.entry("jti", "j1"));
        assertThat(Jwt.claims("i", "a", Profiles.Role.read, "fleet", Instant.EPOCH, 1, "j")).containsEntry("aud", "fleet");
        assertThat(Jwt.json(c)).isEqualTo("{\"iss\":\"fleet-ca:abc\",\"sub\":\"alice\",\"upn\":\"alice\",\"groups\":[\"operate\"],"
                + "\"iat\":1000,\"exp\":4600,\"jti\":\"j1\"}");
    }

    @Test
    void jsonEscapes() {
        assertThat(Jwt.json(Map.of("k", "a\"b\\c\n\u0001"))).isEqualTo("{\"k\":\"a\\\"b\\\\c\\n\\u0001\"}");
    }

    @Test
    void encodingVerifiesWithThePublicKey() throws Exception {
        KeyPair keys = Certs.newKeyPair(Certs.TOKEN_KEY_BITS);
        String jwt = Jwt.encode(Jwt.header("kid1"), Jwt.claims("i", "a", Profiles.Role.admin, null, Instant.EPOCH, 60, "j"), keys.getPrivate());
        String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);
        assertThat(jwt).doesNotContain("=", "+", "/");
        assertThat(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8))
                .isEqualTo("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"kid1\"}");
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(keys.getPublic());
        s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(s.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    }
}
