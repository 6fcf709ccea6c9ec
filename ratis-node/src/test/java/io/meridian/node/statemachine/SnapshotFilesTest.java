package io.meridian.node.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.MetadataImage;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFilesTest {

    @TempDir
    Path dir;

    private static MetadataImage image() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(Entries.split(1, "m"));
        replay.applied(Entries.catalogDdl("CREATE TABLE t"));
        return replay.image();
    }

    private static TermIndex named(MetadataImage image) {
        return TermIndex.valueOf(image.provenance().term(), image.index());
    }

    private static void flip(File file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x40);
        }
    }

    @Test
    void aSnapshotReadsBackAsTheImageItWasWrittenFrom() throws IOException {
        MetadataImage image = image();
        File file = dir.resolve("snapshot.1_4").toFile();

        MD5Hash md5 = SnapshotFiles.write(image, file);

        assertThat(SnapshotFiles.read(file, md5, named(image))).isEqualTo(image);
        assertThat(MD5FileUtil.getDigestFileForFile(file)).exists();
        assertThat(dir.resolve("snapshot.1_4.tmp")).doesNotExist();
    }

    @Test
    void aCorruptSnapshotIsRefusedWithTheNameOfItsFile() throws IOException {
        MetadataImage image = image();
        File file = dir.resolve("snapshot.1_4").toFile();
        MD5Hash md5 = SnapshotFiles.write(image, file);
        flip(file, 40);

        assertThatThrownBy(() -> SnapshotFiles.read(file, md5, named(image))).isInstanceOf(IOException.class)
                .hasMessageContaining(file.getPath()).hasMessageContaining("corrupt").hasMessageContaining("MD5");
        MD5Hash rewritten = MD5FileUtil.computeAndSaveMd5ForFile(file);
        assertThatThrownBy(() -> SnapshotFiles.read(file, rewritten, named(image))).isInstanceOf(IOException.class)
                .hasMessageContaining(file.getPath()).hasMessageContaining("corrupt");
    }

    @Test
    void aSnapshotWhoseNameLiesAboutItsIndexIsRefused() throws IOException {
        MetadataImage image = image();
        File file = dir.resolve("snapshot.1_4").toFile();
        MD5Hash md5 = SnapshotFiles.write(image, file);

        assertThatThrownBy(() -> SnapshotFiles.read(file, md5, TermIndex.valueOf(1, 99)))
                .isInstanceOf(IOException.class).hasMessageContaining("not at");
    }

    @Test
    void aSnapshotThatCannotBeWrittenFailsLoudly() {
        File file = dir.resolve("missing-dir").resolve("snapshot.1_4").toFile();

        assertThatThrownBy(() -> SnapshotFiles.write(image(), file)).isInstanceOf(IOException.class)
                .hasMessageContaining("snapshot");
    }
}
