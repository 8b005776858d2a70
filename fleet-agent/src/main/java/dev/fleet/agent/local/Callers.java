package dev.fleet.agent.local;

import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who may call the local API over TLS: the control plane only, that is a certificate of the cluster CA whose subject's
 * organisational unit is {@code node} ({@code bin/fleet-ca issue --kind=node}: {@code CN=<name>,OU=node}). Clients
 * ({@code OU=read|operate|admin}) and agents ({@code OU=agent}) of the same CA are refused. Pure: the handshake has
 * already checked that the certificate is the CA's; this only looks at the subject.
 */
public final class Callers {
    /** The one organisational unit the local API serves. */
    public static final String NODE_UNIT = "node";

    private Callers() {
    }

    /**
     * Empty when {@code subject} (an RFC 2253 distinguished name, as {@code X500Principal.getName()} gives it) may
     * call; otherwise why not, for a 403. It must carry exactly one OU, {@code node}.
     */
    public static Optional<String> refusal(String subject) {
        if (subject == null || subject.isBlank()) {
            return Optional.of("the local API serves the control plane only: no client certificate subject");
        }
        List<String> units = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(subject).getRdns()) {
                Attribute ou = rdn.toAttributes().get("OU"); // every value, a multi-valued RDN's too
                for (int i = 0; ou != null && i < ou.size(); i++) {
                    units.add(String.valueOf(ou.get(i)));
                }
            }
        } catch (NamingException e) {
            return Optional.of("the local API serves the control plane only: unreadable certificate subject");
        }
        if (units.size() == 1 && units.get(0).equals(NODE_UNIT)) {
            return Optional.empty();
        }
        return Optional.of("the local API serves the control plane only (a certificate with OU=" + NODE_UNIT
                + "), not " + subject);
    }
}
