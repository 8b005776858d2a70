package dev.fleet.store.raft;

/**
 * The store could not answer: no leader within the deadline (etcd code 301), or a write whose outcome is
 * unknown because it timed out or the leader changed under it (etcd code 300).
 */
public class StoreUnavailableException extends RuntimeException {
    public static final int RAFT_INTERNAL = 300;
    public static final int LEADER_ELECT = 301;
    private final int errorCode;

    public StoreUnavailableException(int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    public int errorCode() {
        return errorCode;
    }
}
