package dev.davit.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * The data directory: bare repositories at {@code {data}/{owner}/{repo}.git}. Owner and repository
 * names are checked before they touch the file system, so no name reaches outside the data directory
 * or into another repository. Thread-safe; repositories stay open until {@link #close()}.
 */
public final class Repositories implements AutoCloseable {
    private final Path dataDir;
    private final boolean durable;
    private final Map<String, GitRepository> open = new ConcurrentHashMap<>();
    private final Maintenance maintenance;
    private volatile Runnable onCommit = () -> { };

    /**
     * @param durable fsync every object and ref file before a write is acknowledged
     */
    public Repositories(Path dataDir, boolean durable) throws IOException {
        this(dataDir, durable, 500);
    }

    /**
     * @param durable      fsync every object and ref file before a write is acknowledged
     * @param gcEveryCommits repack a repository in the background after this many commits (0: never)
     */
    public Repositories(Path dataDir, boolean durable, int gcEveryCommits) throws IOException {
        this.maintenance = new Maintenance(gcEveryCommits);
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.durable = durable;
        Files.createDirectories(this.dataDir);
    }

    /** Runs after every commit a write makes, in any repository (for the metrics). */
    public void onCommit(Runnable listener) {
        this.onCommit = listener;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Compiled once: every request checks two names. */
    private static final java.util.regex.Pattern VALID_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,99}");

    /** Owner and repository names: letters, digits, '.', '-', '_'; not starting with '.'; no ".git" suffix. */
    public static boolean isValidName(String name) {
        return name != null && VALID_NAME.matcher(name).matches() && !name.endsWith(".git")
                && !name.endsWith(".");
    }

    /**
     * Opens an existing repository.
     *
     * @throws NotFoundException when the names are invalid or no such repository exists
     */
    public GitRepository open(String owner, String name) throws IOException, NotFoundException {
        if (!isValidName(owner) || !isValidName(name)) {
            throw new NotFoundException(RepoPath.ROOT, "no repository " + owner + "/" + name);
        }
        String key = owner + "/" + name;
        GitRepository repo = open.get(key);
        if (repo != null) {
            return repo;
        }
        Path dir = dataDir.resolve(owner).resolve(name + ".git");
        if (!Files.isRegularFile(dir.resolve("HEAD"))) {
            throw new NotFoundException(RepoPath.ROOT, "no repository " + key);
        }
        synchronized (open) {
            repo = open.get(key);
            if (repo == null) {
                StaleLockFiles.clean(dir);
                repo = new GitRepository(owner, name, openJgit(dir, false), () -> onCommit.run(), durable);
                repo.maintenance(maintenance);
                open.put(key, repo);
            }
            return repo;
        }
    }

    /**
     * Creates the repository if it does not exist, with the files under {@code source} as its first
     * commit, and opens it. An existing repository is opened as it is.
     */
    public GitRepository createIfMissing(String owner, String name, Path source, Identity who)
            throws IOException, StorageException {
        if (!isValidName(owner) || !isValidName(name)) {
            throw new InvalidPathException(InvalidPathException.Reason.MALFORMED, "invalid repository name " + owner + "/" + name);
        }
        Path dir = dataDir.resolve(owner).resolve(name + ".git");
        synchronized (open) {
            if (!Files.isRegularFile(dir.resolve("HEAD"))) {
                Files.createDirectories(dir.getParent());
                try (Repository r = openJgit(dir, true)) {
                    r.getRefDatabase(); // created
                }
            }
        }
        GitRepository repo = open(owner, name);
        if (repo.headId() == null && source != null && Files.isDirectory(source)) {
            importTree(repo, source, who);
        }
        return repo;
    }

    private Repository openJgit(Path dir, boolean create) throws IOException {
        Repository r = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
        if (create) {
            r.create(true);
            r.getRefDatabase().newUpdate(Constants.HEAD, false).link(GitRepository.BRANCH);
        }
        StoredConfig cfg = r.getConfig();
        boolean changed = false;
        // No fsync per object or ref file: Davit's writes are made durable by the journal (one fdatasync
        // per batch of commits, see CommitJournal), a push by one syncfs before its refs move and one before
        // it reports success (dev.davit.githttp). JGit would otherwise fsync every file it writes.
        for (String key : List.of("fsyncObjectFiles", "fsyncRefFiles")) {
            if (cfg.getBoolean(ConfigConstants.CONFIG_CORE_SECTION, key, false)) {
                cfg.unset(ConfigConstants.CONFIG_CORE_SECTION, null, key);
                changed = true;
            }
        }
        if (cfg.getString(ConfigConstants.CONFIG_CORE_SECTION, null, ConfigConstants.CONFIG_KEY_COMPRESSION) == null) {
            // zlib's default level deflates at ~30 MB/s on these machines, so a large upload would be
            // CPU-bound; level 1 is several times faster for a slightly larger object store.
            cfg.setInt(ConfigConstants.CONFIG_CORE_SECTION, null, ConfigConstants.CONFIG_KEY_COMPRESSION, 1);
            changed = true;
        }
        if (changed) {
            cfg.save();
        }
        return r;
    }

    private static final class Constants {
        static final String HEAD = org.eclipse.jgit.lib.Constants.HEAD;
    }

    private static void importTree(GitRepository repo, Path source, Identity who) throws IOException, StorageException {
        List<Path> files = new ArrayList<>();
        List<Path> folders = new ArrayList<>();
        try (Stream<Path> s = Files.walk(source)) {
            s.sorted().forEach(p -> {
                if (p.equals(source)) {
                    return;
                }
                (Files.isDirectory(p) ? folders : files).add(p);
            });
        }
        repo.write(who, "Import " + source.getFileName(), edit -> {
            for (Path f : folders) {
                RepoPath rp = toRepoPath(source, f);
                if (rp == null) {
                    continue;
                }
                boolean empty;
                try (Stream<Path> members = Files.list(f)) {
                    empty = members.findAny().isEmpty();
                }
                if (empty) {
                    edit.mkdir(rp);
                } else {
                    edit.ensureFolders(rp);
                }
            }
            for (Path f : files) {
                RepoPath rp = toRepoPath(source, f);
                if (rp == null || !Files.isRegularFile(f)) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(f)) {
                    edit.putFile(rp, repo.insertBlob(in, Files.size(f)));
                }
            }
            return null;
        });
    }

    /** Null for names a repository may not hold (hidden, .git, invalid); such files are skipped. */
    private static RepoPath toRepoPath(Path root, Path p) {
        List<String> segs = new ArrayList<>();
        for (Path part : root.relativize(p)) {
            segs.add(part.toString());
        }
        try {
            return RepoPath.of(segs);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** The background repacking of these repositories. */
    public Maintenance maintenance() {
        return maintenance;
    }

    @Override
    public void close() {
        maintenance.close(); // a repack in progress finishes before its repository closes
        open.values().forEach(GitRepository::close);
        open.clear();
    }
}
