package io.paxcast.paxos.storage;

/** The storage cannot read or make durable what it was asked to; the node must stop voting. */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
