package dev.davit.githttp;

import java.io.IOException;
import java.util.Collection;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PreReceiveHook;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;

import dev.davit.storage.GitRepository;
import dev.davit.storage.QuotaExceededException;
import dev.davit.storage.RepositorySizes;

/**
 * Refuses a push to {@code main} that would make the repository's files larger than
 * {@code limits.repository.bytes}, by the same measure and rule as a WebDAV or REST write
 * ({@link RepositorySizes#checkCommit}): the tree the branch would point at is over the limit and larger than
 * the one it points at now. Other branches are not served and not counted. Runs after the pack arrived and
 * before any ref moves, so a refused push moves nothing (its objects are unreferenced, for a later repack).
 */
final class SizeLimitHook implements PreReceiveHook {
    private final GitRepository repository;

    SizeLimitHook(GitRepository repository) {
        this.repository = repository;
    }

    @Override
    public void onPreReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
        RepositorySizes sizes = repository.sizes();
        if (sizes == null || !sizes.limited()) {
            return;
        }
        for (ReceiveCommand c : commands) {
            if (c.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED || !c.getRefName().equals(GitRepository.BRANCH)
                    || c.getType() == ReceiveCommand.Type.DELETE) {
                continue;
            }
            try (ObjectReader reader = repository.newReader(); RevWalk rw = new RevWalk(reader)) {
                ObjectId before = ObjectId.zeroId().equals(c.getOldId()) ? null : tree(rw, c.getOldId());
                sizes.checkCommit(reader, before, tree(rw, c.getNewId()));
            } catch (QuotaExceededException e) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, e.getMessage() + " (limits.repository.bytes)");
            } catch (IOException | RuntimeException e) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "cannot measure the repository's size: " + e.getMessage());
            }
        }
    }

    private static ObjectId tree(RevWalk rw, ObjectId commit) throws IOException {
        RevObject o = rw.peel(rw.parseAny(commit));
        if (!(o instanceof RevCommit rc)) {
            throw new IOException(commit.name() + " is not a commit");
        }
        return rw.parseCommit(rc).getTree().copy();
    }
}
