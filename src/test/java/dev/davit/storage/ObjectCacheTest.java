package dev.davit.storage;

import dev.davit.storage.objects.ObjectCache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectCacheTest {
    @TempDir
    Path tmp;

    @Test
    void staysWithinItsByteBoundDroppingTheLeastRecentlyUsed() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectCache cache = new ObjectCache(100);
            ObjectId a = ObjectId.fromString("1111111111111111111111111111111111111111");
            ObjectId b = ObjectId.fromString("2222222222222222222222222222222222222222");
            ObjectId c = ObjectId.fromString("3333333333333333333333333333333333333333");
            cache.put(a, Constants.OBJ_TREE, new byte[40]);
            cache.put(b, Constants.OBJ_TREE, new byte[40]);
            try (ObjectReader r = cache.wrap(f.repo.jgit().newObjectReader())) {
                assertThat(r.has(a)).isTrue(); // a is now the most recently used
                cache.put(c, Constants.OBJ_TREE, new byte[40]);
                assertThat(r.has(a)).isTrue();
                assertThat(r.has(c)).isTrue();
                assertThat(r.has(b)).as("evicted").isFalse();
            }
            cache.put(a, Constants.OBJ_BLOB, new byte[10]); // blobs are never kept
        }
    }
}
