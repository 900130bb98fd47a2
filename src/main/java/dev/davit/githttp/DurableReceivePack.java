package dev.davit.githttp;

import java.io.IOException;

import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;

import dev.davit.storage.GitRepository;

/**
 * A push that is on disk before git hears "ok". JGit writes the received pack and the refs without fsync
 * here (Davit's own writes are made durable by its journal instead), so the push flushes the file system
 * twice: once before the refs move, so that no ref can survive a crash that its objects did not, and once
 * after, before the status report. ReceivePack sends that report right after executeCommands() and calls
 * post-receive hooks only later, so this is the last moment to do it.
 */
final class DurableReceivePack extends ReceivePack {
    private final GitRepository repository;

    DurableReceivePack(Repository db, GitRepository repository) {
        super(db);
        this.repository = repository;
    }

    @Override
    protected void executeCommands() {
        if (!sync()) {
            for (ReceiveCommand c : filterCommands(ReceiveCommand.Result.NOT_ATTEMPTED)) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "the server could not write the pack to disk");
            }
            return;
        }
        super.executeCommands();
        if (!sync()) {
            for (ReceiveCommand c : filterCommands(ReceiveCommand.Result.OK)) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON,
                        "the ref moved but could not be synced to disk; fetch to see whether it stayed");
            }
        }
    }

    private boolean sync() {
        try {
            repository.syncToDisk();
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
