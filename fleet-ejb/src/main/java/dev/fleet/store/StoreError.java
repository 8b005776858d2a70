package dev.fleet.store;

/** An etcd v2 error: code, etcd's message text, the cause (usually the key) and the current index. */
public record StoreError(int errorCode, String message, String cause, long index) implements Result {
    public static final int KEY_NOT_FOUND = 100;
    public static final int TEST_FAILED = 101;
    public static final int NOT_FILE = 102;
    public static final int NOT_DIR = 104;
    public static final int NODE_EXIST = 105;
    public static final int ROOT_READ_ONLY = 107;
    public static final int DIR_NOT_EMPTY = 108;
    public static final int REFRESH_VALUE = 211;
    public static final int REFRESH_TTL_REQUIRED = 212;
    /** etcd's EcodeRaftInternal: here also a committed entry that could not be applied (see KeyStore.applyEntry). */
    public static final int RAFT_INTERNAL = 300;
    public static final int WATCHER_CLEARED = 400;
    public static final int EVENT_INDEX_CLEARED = 401;
}
