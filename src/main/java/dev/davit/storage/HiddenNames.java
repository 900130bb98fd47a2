package dev.davit.storage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Names of the helper files Davit keeps inside the tree. Git keeps no empty folders, so a folder made
 * by MKCOL holds {@link #KEEP}; dead properties of a file {@code x} live in {@code .davitprops.x} beside it
 * and those of a folder in its own {@link #FOLDER_PROPS}, so that a MOVE or COPY of a folder carries
 * everything below it in one tree operation. None of them is ever shown or accepted from a client.
 */
public final class HiddenNames {
    public static final String PREFIX = ".davit";
    public static final String KEEP = ".davitkeep";
    public static final String FOLDER_PROPS = ".davitprops";
    private static final String FILE_PROPS_PREFIX = ".davitprops.";

    private HiddenNames() {
    }

    /** True for every name in Davit's reserved family, in any case (case-insensitive file systems). */
    public static boolean isHidden(String name) {
        return name.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                || name.toLowerCase(Locale.ROOT).equals(".git");
    }

    /**
     * The name of the sidecar that holds the dead properties of file {@code fileName}: the prefix and the
     * name, or, when that would pass the 255-byte limit of file systems (a clone must check out), the
     * prefix and a digest of the name.
     */
    public static String filePropsName(String fileName) {
        String plain = FILE_PROPS_PREFIX + fileName;
        if (plain.getBytes(StandardCharsets.UTF_8).length <= RepoPath.MAX_SEGMENT_BYTES) {
            return plain;
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(fileName.getBytes(StandardCharsets.UTF_8));
            return FILE_PROPS_PREFIX + "#" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
