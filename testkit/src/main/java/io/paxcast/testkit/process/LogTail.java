package io.paxcast.testkit.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The end of a process's log file, for failure messages: reads only the file's last bytes, however long it grew. */
public final class LogTail {
    private LogTail() {
    }

    /**
     * The last {@code lines} lines among the last {@code windowBytes} bytes of {@code file} (fewer
     * if it is shorter); "" if it does not exist.
     */
    public static String read(Path file, int lines, long windowBytes) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long from = Math.max(0, length - windowBytes);
            byte[] bytes = new byte[(int) (length - from)];
            raf.seek(from);
            raf.readFully(bytes);
            List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    /** As {@link #read}, over a window of 64 KiB or 400 bytes a line; a note instead of an exception. */
    public static String forMessage(Path file, int lines) {
        if (!Files.exists(file)) {
            return "(no log)";
        }
        try {
            return read(file, lines, Math.max(64 * 1024L, lines * 400L));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
