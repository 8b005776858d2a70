package dev.fleet.store.raft;

/** The store's content at {@code index} as one SHA-256 (of its snapshot form, {@code bytes} long): equal on every replica. */
public record StoreDigest(long index, String sha256, long bytes) { }
