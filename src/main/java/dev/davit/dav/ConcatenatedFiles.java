package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The parts of a chunked upload (Nextcloud's chunking v1 and v2) read one after another as one stream, each
 * file opened on its first read: a long sequence holds one file handle at a time and is never in memory.
 */
final class ConcatenatedFiles {
    private ConcatenatedFiles() {
    }

    static InputStream of(List<Path> parts) {
        List<InputStream> lazy = new ArrayList<>();
        for (Path p : parts) {
            lazy.add(new LazyFile(p));
        }
        return new SequenceInputStream(Collections.enumeration(lazy));
    }

    private static final class LazyFile extends InputStream {
        private final Path path;
        private InputStream in;

        LazyFile(Path path) {
            this.path = path;
        }

        private InputStream in() throws IOException {
            if (in == null) {
                in = Files.newInputStream(path);
            }
            return in;
        }

        @Override
        public int read() throws IOException {
            return in().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in().read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
