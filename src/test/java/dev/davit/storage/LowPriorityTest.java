package dev.davit.storage;

import dev.davit.storage.maintenance.LowPriority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The background packer's thread runs at a lower CPU priority than request threads (Linux). */
class LowPriorityTest {
    @Test
    void aThreadLowersItsOwnPriorityAndNoOtherThreads() throws Exception {
        Integer before = LowPriority.niceOfCurrentThread();
        assumeTrue(before != null, "no /proc/thread-self here");
        AtomicReference<Boolean> lowered = new AtomicReference<>();
        AtomicReference<Integer> nice = new AtomicReference<>();
        Thread t = new Thread(() -> {
            lowered.set(LowPriority.lowerCurrentThread());
            nice.set(LowPriority.niceOfCurrentThread());
        });
        t.start();
        t.join();
        assumeTrue(lowered.get(), "renice is not available");
        assertThat(nice.get()).isEqualTo(Math.min(19, before + LowPriority.NICE));
        assertThat(LowPriority.niceOfCurrentThread()).as("the calling thread keeps its priority").isEqualTo(before);
    }
}
