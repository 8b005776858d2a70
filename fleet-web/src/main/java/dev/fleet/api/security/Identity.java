package dev.fleet.api.security;

import java.util.Objects;

/**
 * Who is calling, as the node's one access check sees it: from a client certificate of the cluster's CA (CN = name,
 * OU = role, {@code node} or {@code agent}), from a bearer token (upn, groups), or nobody.
 * {@code role} is null for an anonymous caller, an agent, and a certificate whose OU is not a role.
 */
public record Identity(Kind kind, String name, Role role) {

    public enum Kind { ANONYMOUS, CLIENT, TOKEN, AGENT, NODE }

    /** Ordered: each role may do what the ones before it may. */
    public enum Role {
        READ, OPERATE, ADMIN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** {@code read}, {@code operate}, {@code admin}; null for anything else. */
        public static Role of(String s) {
            if (s == null) {
                return null;
            }
            return switch (s) {
                case "read" -> READ;
                case "operate" -> OPERATE;
                case "admin" -> ADMIN;
                default -> null;
            };
        }

        public boolean allows(Role needed) {
            return compareTo(needed) >= 0;
        }
    }

    public static final Identity ANONYMOUS = new Identity(Kind.ANONYMOUS, null, null);

    public Identity {
        Objects.requireNonNull(kind, "kind");
    }

    public static Identity client(String name, Role role) {
        return new Identity(Kind.CLIENT, name, role);
    }

    public static Identity token(String name, Role role) {
        return new Identity(Kind.TOKEN, name, role);
    }

    public static Identity agent(String machineId) {
        return new Identity(Kind.AGENT, machineId, null);
    }

    /** A control-plane node: it already holds the RAFT channel's keys, so it may do what an admin may. */
    public static Identity node(String name) {
        return new Identity(Kind.NODE, name, Role.ADMIN);
    }

    /** What the audit trail and the error messages show, e.g. {@code client:alice(operate)}, {@code agent:ID}. */
    public String label() {
        return switch (kind) {
            case ANONYMOUS -> "anonymous";
            case AGENT -> "agent:" + name;
            case NODE -> "node:" + name;
            case CLIENT -> "client:" + name + "(" + (role == null ? "no role" : role.label()) + ")";
            case TOKEN -> "token:" + name + "(" + role.label() + ")";
        };
    }
}
