package io.meridian.node.statemachine;

import io.meridian.core.MetadataImage;
import io.meridian.core.snapshot.SnapshotCodec;
import io.meridian.core.snapshot.SnapshotFormatException;
import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Snapshot files on disk: written to a temporary file, fsynced, renamed into place, with the MD5
 * Ratis checks when it ships a snapshot to a follower; read back with every check of the codec,
 * any failure naming the file. Nothing here swallows an I/O error.
 *
 * <p>Stateless and thread-safe.
 */
public final class SnapshotFiles {

    private SnapshotFiles() {
    }

    /** Writes the image to {@code target} atomically and returns the MD5 Ratis records for it. */
    public static MD5Hash write(MetadataImage image, File target) throws IOException {
        Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = Channels.newOutputStream(channel);
            SnapshotCodec.write(image, out);
            out.flush();
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("writing snapshot " + target + " failed: " + e.getMessage(), e);
        }
        Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.toPath().getParent());
        return MD5FileUtil.computeAndSaveMd5ForFile(target);
    }

    /**
     * Reads a snapshot file, checking its MD5 when one is recorded and that the state inside is at
     * the term and index its name says. A damaged file is an IOException naming it.
     */
    public static MetadataImage read(File file, MD5Hash expectedMd5, TermIndex named) throws IOException {
        if (expectedMd5 != null) {
            MD5Hash actual = MD5FileUtil.computeMd5ForFile(file);
            if (!actual.equals(expectedMd5)) {
                throw new IOException("snapshot " + file + " is corrupt: its MD5 is " + actual + " but "
                        + file.getName() + ".md5 records " + expectedMd5);
            }
        }
        MetadataImage image;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()), 1 << 16)) {
            image = SnapshotCodec.read(in);
        } catch (SnapshotFormatException e) {
            throw new IOException("snapshot " + file + " is corrupt: " + e.getMessage(), e);
        }
        if (image.provenance().term() != named.getTerm() || image.index() != named.getIndex()) {
            throw new IOException("snapshot " + file + " holds the state at term " + image.provenance().term()
                    + " index " + image.index() + ", not at " + named + " as its name says");
        }
        return image;
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for fsync; the rename itself is atomic.
            org.slf4j.LoggerFactory.getLogger(SnapshotFiles.class).debug("Could not fsync {}: {}", dir, e.toString());
        }
    }
}
