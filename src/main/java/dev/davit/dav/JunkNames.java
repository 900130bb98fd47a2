package dev.davit.dav;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Names of the files desktops and editors write on their own ({@code .DS_Store}, {@code ._*} AppleDouble
 * files, {@code Thumbs.db}, {@code desktop.ini}, Office's {@code ~$*} owner and {@code ~WRD*.tmp} temp files,
 * vim's swap files, LibreOffice's lock files, the temp files of {@code sed -i} and rsync): kept aside, never
 * committed (setting {@code junk.patterns}, globs with {@code *} and {@code ?}; empty turns the feature off).
 * {@code XXXXXX} stands for the six random letters and digits of mkstemp(3) (what sed and rsync put in their
 * temp names), and only when they are not six lowercase letters, so {@code sedentary} and {@code .env.sample}
 * stay ordinary files while {@code sedq3Xk1a} and {@code .report.txt.Gx81bA} are junk.
 */
final class JunkNames {
    /** A glob's stand-in for mkstemp's random suffix (its template's own spelling). */
    static final String MKSTEMP = "XXXXXX";

    /**
     * All the globs as one pattern (an alternation), or null for none: a name is asked several times per
     * request, and a matcher per glob per question was ~1% of a PUT's thread (JFR, sequential PUTs).
     */
    private final Pattern pattern;

    JunkNames(List<String> globs) {
        List<String> res = globs.stream().map(String::trim).filter(g -> !g.isEmpty()).map(JunkNames::regex).toList();
        // Windows and macOS file systems ignore case: Thumbs.db and thumbs.db are the same junk.
        this.pattern = res.isEmpty() ? null
                : Pattern.compile(res.stream().map(r -> "(?:" + r + ")").collect(Collectors.joining("|")),
                        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    private static String regex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            if (glob.startsWith(MKSTEMP, i)) {
                // Case-sensitive inside the case-insensitive pattern: mkstemp mixes cases and digits.
                re.append("(?-i:(?![a-z]{6})[A-Za-z0-9]{6})");
                i += MKSTEMP.length() - 1;
                continue;
            }
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    boolean isJunk(String name) {
        return pattern != null && pattern.matcher(name).matches();
    }
}
