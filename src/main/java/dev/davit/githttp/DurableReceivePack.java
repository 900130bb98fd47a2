package dev.davit.githttp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;

import dev.davit.storage.GitRepository;
import dev.davit.storage.NotCommittedException;

/**
 * A push that is on disk before git hears "ok", and that competes with WebDAV and REST writes like any
 * writer: its ref updates run while no write of the server is in flight, with the repository on disk up
 * to date ({@link GitRepository#push}), so a ref it moves by compare-and-swap is the value every front end
 * sees. ReceivePack sends its status report right after executeCommands() and calls post-receive hooks only
 * later, so this is the last moment to make the push durable.
 */
final class DurableReceivePack extends ReceivePack {
    private final GitRepository repository;

    DurableReceivePack(Repository db, GitRepository repository) {
        super(db);
        this.repository = repository;
    }

    @Override
    protected void executeCommands() {
        if (repository.replicated()) {
            executeReplicated();
            return;
        }
        try {
            repository.push(() -> {
                super.executeCommands();
                List<String> moved = new ArrayList<>();
                for (ReceiveCommand c : filterCommands(ReceiveCommand.Result.OK)) {
                    moved.add(c.getRefName());
                }
                return moved;
            });
        } catch (IOException e) {
            for (ReceiveCommand c : getAllCommands()) {
                if (c.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED) {
                    c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "the server could not write to disk: " + e.getMessage());
                } else if (c.getResult() == ReceiveCommand.Result.OK) {
                    c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON,
                            "the ref moved but could not be synced to disk; fetch to see whether it stayed");
                }
            }
        }
    }

    /**
     * Cluster mode: a ref moves only once the replicated log committed the push (its new objects and the ref's
     * move as one record, {@link GitRepository#pushRefReplicated}), so git hears "ok" only for a push that is on a
     * majority of the nodes' disks: the branch WebDAV serves, other branches and tags alike. Other refs
     * ({@code refs/notes/}, ...) are refused: a ref on one node's disk would be lost with that node.
     */
    private void executeReplicated() {
        List<ReceiveCommand> commands = filterCommands(ReceiveCommand.Result.NOT_ATTEMPTED);
        for (ReceiveCommand c : commands) {
            String ref = c.getRefName();
            if (!ref.startsWith(Constants.R_HEADS) && !ref.startsWith(Constants.R_TAGS)) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "cluster mode replicates branches and tags only");
            } else if (ref.equals(GitRepository.BRANCH) && c.getType() == ReceiveCommand.Type.DELETE) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "main is the branch WebDAV serves; it cannot be deleted");
            }
        }
        if (isAtomic() && commands.stream().anyMatch(c -> c.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED)) {
            ReceiveCommand.abort(commands); // git push --atomic: all or nothing
            return;
        }
        for (ReceiveCommand c : commands) {
            if (c.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED) {
                continue;
            }
            String ref = c.getRefName();
            try {
                if (repository.pushRefReplicated(ref, c.getOldId(), c.getNewId())) {
                    c.setResult(ReceiveCommand.Result.OK);
                } else {
                    c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, ref + " moved while this push was under way; fetch and push again");
                }
            } catch (NotCommittedException e) {
                // As a WebDAV write's 503: the entry may still be committed later, so the client is told to look.
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "not committed by the cluster (" + e.getMessage()
                        + "); " + ref + " may still move to this commit later: fetch to see, then push again if it did not");
            } catch (IOException | RuntimeException e) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, e.getMessage());
            }
        }
    }
}
