package io.paxcast.broadcast.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The bootstrap voters a node's data was created with, kept beside its store ({@value #FILE}).
 *
 * <p>{@code cluster.voters} is epoch 0 of the membership: every node replays the log from it, so the
 * configuration of every slot depends on it. Changed on one node after the cluster started, that node
 * would count quorums among other voters than its peers do. So the first start records it, and every
 * later start with other voters is refused with a message naming the key; the membership changes
 * through the admin API instead. A lost disk loses the record with the store: that node starts blank
 * either way.
 */
public final class BootstrapVoters {
    static final String FILE = "bootstrap-voters";

    private BootstrapVoters() {
    }

    /** Records {@code voters} at the first start; throws if the data was created with others. */
    public static void check(Path dataDir, List<String> voters) throws IOException {
        Path file = dataDir.resolve(FILE);
        String wanted = String.join(",", voters);
        if (Files.exists(file)) {
            String recorded = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!recorded.equals(wanted)) {
                throw new IllegalStateException("cluster.voters is " + wanted + ", but this node's data (" + dataDir
                        + ") was created with " + recorded + ": cluster.voters never changes once the cluster has"
                        + " started (it is epoch 0 of the membership); change members with /v1/admin/members");
            }
            return;
        }
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, wanted + "\n", StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
