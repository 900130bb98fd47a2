package dev.davit.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

/** Threads of background work (repacks, password checks) run at a lower CPU priority than request threads (Linux). */
class LowPriorityThreadsTest {
    @Test
    void aThreadLowersItsOwnPriorityAndNoOtherThreads() throws Exception {
        Integer before = LowPriorityThreads.niceOfThisThread();
        assumeTrue(before != null, "no /proc/thread-self here");
        assumeTrue(java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, "renice"))), "renice is not available");
        ExecutorService pool = Executors.newSingleThreadExecutor(new LowPriorityThreads("davit-test", 10));
        try {
            Integer nice = pool.submit(LowPriorityThreads::niceOfThisThread).get();
            assertThat(nice).isEqualTo(Math.min(19, before + 10));
        } finally {
            pool.shutdownNow();
        }
        assertThat(LowPriorityThreads.niceOfThisThread()).as("the calling thread keeps its priority").isEqualTo(before);
    }
}
