package dev.fleet.node;

import dev.fleet.store.raft.RaftConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;

/**
 * {@code DATA_DIR/members}: the RAFT members and their addresses as last known, so that a node restarted
 * from its data directory finds a cluster whose membership changed at run time.
 */
public final class ClusterFile {
    private final Path file;

    public ClusterFile(Path dataDir) {
        this.file = dataDir.resolve("members");
    }

    public Optional<Map<String, InetSocketAddress>> read() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(RaftConfig.parseMembers(Files.readString(file, StandardCharsets.UTF_8).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Atomic replace, so a crash never leaves half a file. */
    public synchronized void write(Map<String, InetSocketAddress> members) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("members.tmp");
            Files.writeString(tmp, RaftConfig.formatMembers(members) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
