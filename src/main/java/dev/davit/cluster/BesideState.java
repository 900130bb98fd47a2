package dev.davit.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.davit.storage.GitRepository;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.NoteKeeper;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Repositories;
import dev.davit.storage.SideFiles;

/**
 * One repository's state beside its history, as a node that fell behind the start of the Raft log takes it from
 * another ({@link PeerCatchUp}, {@link PeerEndpoints}): its files kept aside ({@link SideFiles}) and each note
 * keeper's state ({@link NoteKeeper}: dav's sync-client metadata), each with the index of the last log entry it
 * holds, so that the entries Ratis sends after the snapshot are skipped up to that index and applied after it.
 *
 * <p>A zip archive: first {@value #MANIFEST} (JSON: the indexes, every file kept aside with its time, which a
 * zip's own times hold only to the second, and the names of the keepers' files), then {@code side/files/PATH} and
 * {@code side/properties/PATH} (a file kept aside and its dead properties), then {@code notes/KIND/NAME}. Read
 * strictly: every path must be a valid repository path as a request's (never {@code ..}, absolute, {@code .git}
 * or Davit's own names), every entry must be listed and every listed one present, else nothing changes.
 */
final class BesideState {
    static final String MANIFEST = "manifest.json";
    private static final int FORMAT = 1;
    private static final String FILES = "side/files/";
    private static final String PROPERTIES = "side/properties/";
    private static final String NOTES = "notes/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the archive holds. */
    record Manifest(int format, String repository, Side side, Map<String, Notes> notes) {
    }

    /** The files kept aside as of the change of log index {@code index} (-1: none). */
    record Side(long index, List<SideFile> files) {
    }

    /** One file kept aside: its times as ISO-8601 instants; {@code propertiesModified} null when it has no dead properties. */
    record SideFile(String path, String modified, String propertiesModified) {
    }

    /** A keeper's files as of the note of log index {@code index}. */
    record Notes(long index, List<String> files) {
    }

    private BesideState() {
    }

    /** Writes {@code repo}'s state beside its history, as it is now, to {@code out} (not closed). */
    static void write(Repositories repositories, GitRepository repo, OutputStream out) throws IOException {
        try (SideFiles.Exported side = repo.sideFiles().export()) {
            Map<String, NoteKeeper.State> notes = repositories.exportNotes(repo);
            List<SideFile> files = new ArrayList<>();
            for (SideFiles.Kept k : side.files()) {
                files.add(new SideFile(k.path().toString(), k.modified().toString(),
                        k.properties() == null ? null : k.propertiesModified().toString()));
            }
            Map<String, Notes> listed = new TreeMap<>();
            notes.forEach((kind, s) -> listed.put(kind, new Notes(s.index(), List.copyOf(new TreeMap<>(s.files()).keySet()))));
            ZipOutputStream zip = new ZipOutputStream(out);
            zip.putNextEntry(new ZipEntry(MANIFEST));
            zip.write(JSON.writeValueAsBytes(new Manifest(FORMAT, repo.owner() + "/" + repo.name(),
                    new Side(side.index(), files), listed)));
            zip.closeEntry();
            for (SideFiles.Kept k : side.files()) {
                zip.putNextEntry(new ZipEntry(FILES + k.path()));
                Files.copy(k.content(), zip);
                zip.closeEntry();
                if (k.properties() != null) {
                    zip.putNextEntry(new ZipEntry(PROPERTIES + k.path()));
                    Files.copy(k.properties(), zip);
                    zip.closeEntry();
                }
            }
            for (Map.Entry<String, NoteKeeper.State> n : notes.entrySet()) {
                for (Map.Entry<String, byte[]> f : new TreeMap<>(n.getValue().files()).entrySet()) {
                    zip.putNextEntry(new ZipEntry(NOTES + n.getKey() + "/" + f.getKey()));
                    zip.write(f.getValue());
                    zip.closeEntry();
                }
            }
            zip.finish();
        }
    }

    /**
     * Replaces {@code repo}'s state beside its history with the archive's: the files kept aside at once, then
     * each keeper's state at once. Nothing changes when the archive is refused.
     *
     * @throws IOException when the archive is damaged, incomplete, names a path outside the repository, or lacks
     *                     a kind of notes this node keeps
     */
    static void read(InputStream in, Repositories repositories, GitRepository repo) throws IOException {
        String what = repo.owner() + "/" + repo.name();
        ZipInputStream zip = new ZipInputStream(in);
        ZipEntry first = zip.getNextEntry();
        if (first == null || !first.getName().equals(MANIFEST)) {
            throw new IOException(what + ": not a Davit archive of the state beside a history (no " + MANIFEST + " first)");
        }
        Manifest m;
        try {
            m = JSON.readValue(zip.readAllBytes(), Manifest.class);
        } catch (JacksonException e) {
            throw new IOException(what + ": a damaged " + MANIFEST + ": " + e.getOriginalMessage(), e);
        }
        if (m.format() != FORMAT || m.side() == null || m.side().files() == null || m.notes() == null) {
            throw new IOException(what + ": an archive of the state beside a history in another format (" + m.format() + ")");
        }
        if (!what.equals(m.repository())) {
            throw new IOException(what + ": the archive is " + m.repository() + "'s");
        }
        if (!m.notes().keySet().equals(repositories.noteKinds())) {
            throw new IOException(what + ": the archive holds the notes " + m.notes().keySet() + ", this node keeps "
                    + repositories.noteKinds());
        }
        // Every entry the manifest announces, by its name in the archive, checked before anything is written.
        Map<String, Instant> sideTimes = new LinkedHashMap<>();
        Map<String, RepoPath> sidePaths = new LinkedHashMap<>();
        for (SideFile f : m.side().files()) {
            RepoPath p = path(what, f.path());
            sidePaths.put(FILES + f.path(), p);
            sideTimes.put(FILES + f.path(), instant(what, f.modified()));
            if (f.propertiesModified() != null) {
                sidePaths.put(PROPERTIES + f.path(), p);
                sideTimes.put(PROPERTIES + f.path(), instant(what, f.propertiesModified()));
            }
        }
        Set<String> noteEntries = new HashSet<>();
        m.notes().forEach((kind, n) -> n.files().forEach(f -> noteEntries.add(NOTES + kind + "/" + f)));
        Map<String, Map<String, byte[]>> noteFiles = new TreeMap<>();
        m.notes().keySet().forEach(k -> noteFiles.put(k, new TreeMap<>()));

        Set<String> seen = new HashSet<>();
        try (SideFiles.Replacement side = repo.sideFiles().replacement()) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                String name = e.getName();
                if (!seen.add(name)) {
                    throw new IOException(what + ": the archive holds " + name + " twice");
                }
                if (sidePaths.containsKey(name)) {
                    if (name.startsWith(FILES)) {
                        side.file(sidePaths.get(name), zip, sideTimes.get(name));
                    } else {
                        side.properties(sidePaths.get(name), zip, sideTimes.get(name));
                    }
                } else if (noteEntries.contains(name)) {
                    String rest = name.substring(NOTES.length());
                    int slash = rest.lastIndexOf('/');
                    noteFiles.get(rest.substring(0, slash)).put(rest.substring(slash + 1), zip.readAllBytes());
                } else {
                    throw new IOException(what + ": the archive holds " + name + ", which its manifest does not list"
                            + " (or a path outside the repository)");
                }
            }
            if (seen.size() != sidePaths.size() + noteEntries.size()) {
                throw new IOException(what + ": the archive ends before every file its manifest lists (" + seen.size()
                        + " of " + (sidePaths.size() + noteEntries.size()) + ")");
            }
            side.commit(m.side().index());
        }
        for (Map.Entry<String, Notes> n : m.notes().entrySet()) {
            repositories.replaceNotes(n.getKey(), repo, new NoteKeeper.State(n.getValue().index(), noteFiles.get(n.getKey())));
        }
    }

    /** A path as a request's path is checked (never '..', '.git', Davit's names, an absolute or empty one), written as parsed. */
    private static RepoPath path(String what, String s) throws IOException {
        try {
            RepoPath p = s == null ? RepoPath.ROOT : RepoPath.parse(s);
            if (p.isRoot() || !p.toString().equals(s)) {
                throw new IOException(what + ": the archive names a file kept aside '" + s + "', not a path in the repository");
            }
            return p;
        } catch (InvalidPathException e) {
            throw new IOException(what + ": the archive names a file kept aside '" + s + "', outside the repository ("
                    + e.getMessage() + ")", e);
        }
    }

    private static Instant instant(String what, String s) throws IOException {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IOException(what + ": the archive gives a file kept aside the time '" + s + "'", e);
        }
    }
}
