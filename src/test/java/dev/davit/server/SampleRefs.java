package dev.davit.server;

import java.io.IOException;

import dev.davit.storage.NotFoundException;

/** What a node's own repository demo/sample holds on its disk, not through the leader. */
final class SampleRefs {
    private SampleRefs() {
    }

    /** The node's value of {@code ref} on its own disk; "none" when absent, "error ..." when unreadable. */
    static String onDisk(DavitServer s, String ref) {
        try {
            org.eclipse.jgit.lib.Ref r = s.repositories().open("demo", "sample").disk().exactRef(ref);
            return r == null ? "none" : r.getObjectId().name();
        } catch (IOException | NotFoundException e) {
            return "error " + e;
        }
    }
}
