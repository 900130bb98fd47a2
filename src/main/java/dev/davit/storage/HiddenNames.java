package dev.davit.storage;

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

    /** The name of the sidecar that holds the dead properties of file {@code fileName}. */
    public static String filePropsName(String fileName) {
        return FILE_PROPS_PREFIX + fileName;
    }
}
