package dev.fleet.store;

import java.util.List;

/**
 * An immutable copy of a node as the API shows it. {@code nodes} is null when the children are
 * not listed; {@code expiration} is epoch millis or null for a permanent node.
 */
public record NodeView(String key, String value, boolean dir, List<NodeView> nodes,
                       long createdIndex, long modifiedIndex, Long expiration) {
    public NodeView {
        nodes = nodes == null ? null : List.copyOf(nodes);
    }
}
