package dev.davit.dav;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Names of the files desktops write on their own ({@code .DS_Store}, {@code ._*} AppleDouble files,
 * {@code Thumbs.db}, {@code desktop.ini}, Office's {@code ~$*} owner files): kept aside, never committed
 * (setting {@code junk.patterns}, globs with {@code *} and {@code ?}; empty turns the feature off).
 */
final class JunkNames {
    private final List<Pattern> patterns;

    JunkNames(List<String> globs) {
        this.patterns = globs.stream().map(String::trim).filter(g -> !g.isEmpty()).map(JunkNames::compile).toList();
    }

    private static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        // Windows and macOS file systems ignore case: Thumbs.db and thumbs.db are the same junk.
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    boolean isJunk(String name) {
        for (Pattern p : patterns) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }
}
