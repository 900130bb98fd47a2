package dev.davit.rest;

import dev.davit.storage.TextMerge;

/** GitHub's custom media types in {@code Accept} (docs: "Media types" of the contents API). */
final class MediaTypes {
    private MediaTypes() {
    }

    /** {@code application/vnd.github.raw}, {@code .raw+json}, {@code .v3.raw}: the file's bytes. */
    static boolean wantsRaw(String accept) {
        return accept != null && accept.matches("(?s).*application/vnd\\.github(\\.v3)?\\.raw.*");
    }

    /** {@code application/vnd.github.object}: a directory as one object with {@code entries}. */
    static boolean wantsObject(String accept) {
        return accept != null && accept.matches("(?s).*application/vnd\\.github(\\.v3)?\\.object.*");
    }

    /**
     * Text as {@code text/plain; charset=utf-8} (clients such as Octokit then hand back a string), anything
     * with a NUL byte (git's binary test) as {@code application/octet-stream}.
     */
    static String rawType(byte[] bytes) {
        return TextMerge.isBinary(bytes) ? "application/octet-stream" : "text/plain; charset=utf-8";
    }
}
