package dev.fleet.api.security;

import dev.fleet.api.RequestGuard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Properties;

/**
 * The node's access settings: off (plain HTTP on loopback: everyone may do everything, as fleet did) or on (HTTPS
 * configured: every request needs a client certificate of the cluster's CA or a bearer token, and
 * {@link AccessPolicy} decides). From system properties: {@code fleet.tls.keystore} set means on;
 * {@code fleet.auth.tokenKey} (the token public key's PEM file) and {@code fleet.auth.tokenIssuer} enable tokens,
 * {@code fleet.auth.tokenAudience} optionally restricts them.
 */
public final class Access {
    public static final String IDENTITY_ATTRIBUTE = "dev.fleet.identity";

    private final boolean enabled;
    private final TokenVerifier tokens;

    private Access(boolean enabled, TokenVerifier tokens) {
        this.enabled = enabled;
        this.tokens = tokens;
    }

    public static Access off() {
        return new Access(false, null);
    }

    public static Access on(TokenVerifier tokens) {
        return new Access(true, tokens);
    }

    public static Access from(Properties p) {
        if (p.getProperty("fleet.tls.keystore", "").isBlank()) {
            return off();
        }
        String keyFile = p.getProperty("fleet.auth.tokenKey", "");
        if (keyFile.isBlank()) {
            return on(null);
        }
        String issuer = p.getProperty("fleet.auth.tokenIssuer", "");
        if (issuer.isBlank()) {
            throw new IllegalArgumentException("fleet.auth.tokenKey is set but fleet.auth.tokenIssuer is not (the CA directory's token-issuer)");
        }
        try {
            return on(new TokenVerifier(TokenVerifier.publicKey(Files.readString(Path.of(keyFile))), issuer.strip(),
                    p.getProperty("fleet.auth.tokenAudience"), Clock.systemUTC()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the token key " + keyFile + ": " + e.getMessage());
        }
    }

    public boolean enabled() {
        return enabled;
    }

    public boolean tokens() {
        return tokens != null;
    }

    /** The caller's identity, or the refusal (401) of a bad bearer token. */
    public sealed interface Who permits Known, BadToken { }

    public record Known(Identity identity) implements Who { }

    public record BadToken(String message) implements Who { }

    /**
     * {@code certificates}: the TLS peer's chain as the container gives it (null without one);
     * {@code authorization}: the Authorization header (null without one). A token is judged even beside a certificate:
     * a caller that sends a bad token is refused, not silently served as the certificate's owner.
     */
    public Who identify(X509Certificate[] certificates, String authorization) {
        if (!enabled) {
            return new Known(Identity.ANONYMOUS);
        }
        if (authorization != null && !authorization.isBlank()) {
            String a = authorization.strip();
            if (a.regionMatches(true, 0, "Bearer ", 0, 7)) {
                if (tokens == null) {
                    return new BadToken("this node accepts no bearer tokens (it was started without the CA's token-pub.pem)");
                }
                try {
                    return new Known(tokens.verify(a.substring(7).strip()));
                } catch (TokenVerifier.Rejected r) {
                    return new BadToken(r.getMessage());
                }
            }
            return new BadToken("only Bearer tokens are accepted in the Authorization header");
        }
        if (certificates != null && certificates.length > 0) {
            return new Known(Certificates.identity(certificates[0]));
        }
        return new Known(Identity.ANONYMOUS);
    }

    /** Null: go on; else the refusal. */
    public RequestGuard.Denial decide(String method, String path, Who who) {
        if (!enabled) {
            return null;
        }
        if (who instanceof BadToken bad) {
            // what is open to anyone (the probes) stays open whatever the caller sends
            return AccessPolicy.decide(method, path, Identity.ANONYMOUS) == null ? null
                    : new RequestGuard.Denial(401, RequestGuard.api(path), bad.message());
        }
        return AccessPolicy.decide(method, path, ((Known) who).identity());
    }
}
