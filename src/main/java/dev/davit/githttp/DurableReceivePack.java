package dev.davit.githttp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;

import dev.davit.storage.GitRepository;

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
}
