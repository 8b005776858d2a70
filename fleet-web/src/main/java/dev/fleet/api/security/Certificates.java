package dev.fleet.api.security;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.X509Certificate;

/**
 * The identity a client certificate carries. The listener has already checked it (chain to the cluster's CA, which is
 * the only CA its trust store holds, and validity), so only the subject is read: CN the name, OU {@code node},
 * {@code agent} (CN the machine ID), or a role.
 */
public final class Certificates {
    private Certificates() {
    }

    public static Identity identity(X509Certificate leaf) {
        return identity(leaf.getSubjectX500Principal().getName());
    }

    /** From an RFC 2253 subject such as {@code CN=alice,OU=operate,O=fleet}. */
    static Identity identity(String subject) {
        String cn = null;
        String ou = null;
        try {
            for (Rdn rdn : new LdapName(subject).getRdns()) {
                String type = rdn.getType();
                String value = String.valueOf(rdn.getValue());
                if (type.equalsIgnoreCase("CN")) {
                    cn = cn == null ? value : cn;
                } else if (type.equalsIgnoreCase("OU")) {
                    ou = ou == null ? value : "";  // more than one OU: no role
                }
            }
        } catch (InvalidNameException e) {
            return Identity.client("?", null);
        }
        String name = cn == null || cn.isBlank() ? "?" : cn;
        if ("node".equals(ou)) {
            return Identity.node(name);
        }
        if ("agent".equals(ou) && cn != null && !cn.isBlank()) {
            return Identity.agent(cn);
        }
        return Identity.client(name, Identity.Role.of(ou));
    }
}
