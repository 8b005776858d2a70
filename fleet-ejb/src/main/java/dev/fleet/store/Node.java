package dev.fleet.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * A node of the store's tree: a file (value) or a directory (children sorted by name, so that
 * every iteration is deterministic). Mutated only by {@link KeyStore}, which keeps the TTL index
 * consistent: a node's expiration is never changed while it sits in that index.
 */
final class Node {
    /** Expiration of a node without TTL. Real expirations are >= 0 (clock >= 0, ttl >= 0). */
    static final long PERMANENT = Long.MIN_VALUE;

    /** TTL index order: earliest expiration first, ties by key (unique among live nodes). */
    static final Comparator<Node> BY_EXPIRATION =
            Comparator.comparingLong((Node n) -> n.expiration).thenComparing(n -> n.key);

    final String key;
    final String name;
    final TreeMap<String, Node> children;
    final long createdIndex;
    Node parent;
    String value;
    long modifiedIndex;
    long expiration;

    private Node(String key, String name, String value, TreeMap<String, Node> children,
                 long createdIndex, long modifiedIndex, long expiration) {
        this.key = key;
        this.name = name;
        this.value = value;
        this.children = children;
        this.createdIndex = createdIndex;
        this.modifiedIndex = modifiedIndex;
        this.expiration = expiration;
    }

    static Node root() {
        return new Node(KeyStore.ROOT, "", null, new TreeMap<>(), 0, 0, PERMANENT);
    }

    static Node file(String key, String name, String value, long createdIndex, long modifiedIndex, long expiration) {
        return new Node(key, name, value, null, createdIndex, modifiedIndex, expiration);
    }

    static Node dir(String key, String name, long createdIndex, long modifiedIndex, long expiration) {
        return new Node(key, name, null, new TreeMap<>(), createdIndex, modifiedIndex, expiration);
    }

    boolean isDir() {
        return children != null;
    }

    boolean hasTtl() {
        return expiration != PERMANENT;
    }

    Long expirationOrNull() {
        return hasTtl() ? expiration : null;
    }

    boolean isHidden() {
        return name.startsWith("_");
    }

    /**
     * etcd's Repr: a file with its value; a directory with its children listed only when
     * {@code list} (hidden children omitted), each child listed further only when {@code recursive}.
     * Iterative: a tree may be 2048 levels deep.
     */
    NodeView view(boolean list, boolean recursive) {
        if (!isDir() || !list) {
            return viewWith(null);
        }
        ArrayDeque<Listing> stack = new ArrayDeque<>();
        stack.push(new Listing(this));
        while (true) {
            Listing top = stack.peek();
            if (top.children.hasNext()) {
                Node child = top.children.next();
                if (child.isHidden()) {
                    continue;
                }
                if (recursive && child.isDir()) {
                    stack.push(new Listing(child));
                } else {
                    top.views.add(child.viewWith(null));
                }
                continue;
            }
            stack.pop();
            NodeView done = top.dir.viewWith(top.views);
            if (stack.isEmpty()) {
                return done;
            }
            stack.peek().views.add(done);
        }
    }

    private NodeView viewWith(List<NodeView> nodes) {
        return new NodeView(key, value, isDir(), nodes, createdIndex, modifiedIndex, expirationOrNull());
    }

    /** A directory whose listing is being built. */
    private static final class Listing {
        final Node dir;
        final Iterator<Node> children;
        final List<NodeView> views;

        Listing(Node dir) {
            this.dir = dir;
            this.children = dir.children.values().iterator();
            this.views = new ArrayList<>(dir.children.size());
        }
    }

    /** This node and every node below it, in pre-order. */
    List<Node> subtree() {
        List<Node> all = new ArrayList<>();
        ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.push(this);
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            all.add(n);
            if (n.isDir()) {
                // pushed in reverse so that they pop in name order
                for (Node c : n.children.descendingMap().values()) {
                    todo.push(c);
                }
            }
        }
        return all;
    }
}
