package dev.davit.dav;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code If} request header (RFC 4918 §10.4): lists of conditions, each list optionally tagged with
 * the resource it is about; the header is true when any list is true, and a list is true when all its
 * conditions are. milton CE only looks for substrings here (milton-ce.md §1.3 d); this is the grammar.
 */
final class IfHeader {
    /** One condition: a state token or an entity tag, possibly negated with {@code Not}. */
    record Condition(boolean not, String stateToken, String entityTag) {
    }

    /** One parenthesised list; {@code tag} is the resource it is about, or null for the request URI. */
    record ConditionList(String tag, List<Condition> conditions) {
    }

    /** What a condition is tested against: a resource's entity tag (null if absent) and the lock tokens that apply. */
    record ResourceState(String etag, Set<String> lockTokens) {
        static final ResourceState ABSENT = new ResourceState(null, Set.of());
    }

    /** Looks up the state of the resource a list is about ({@code tag} null = the request URI). */
    @FunctionalInterface
    interface StateLookup {
        ResourceState stateOf(String tag) throws java.io.IOException;
    }

    private final List<ConditionList> lists;

    private IfHeader(List<ConditionList> lists) {
        this.lists = lists;
    }

    List<ConditionList> lists() {
        return lists;
    }

    /** Parses a header value; null gives null. A malformed header is a 400. */
    static IfHeader parse(String value) {
        if (value == null) {
            return null;
        }
        List<ConditionList> lists = new ArrayList<>();
        String tag = null;
        boolean tagged = false;
        int i = 0;
        int n = value.length();
        while (true) {
            i = skipSpace(value, i);
            if (i >= n) {
                break;
            }
            char c = value.charAt(i);
            if (c == '<') {
                if (!lists.isEmpty() && !tagged) {
                    throw bad("untagged and tagged lists cannot be mixed");
                }
                int end = value.indexOf('>', i);
                if (end < 0) {
                    throw bad("unterminated resource tag");
                }
                tag = value.substring(i + 1, end).trim();
                tagged = true;
                i = end + 1;
                i = skipSpace(value, i);
                if (i >= n || value.charAt(i) != '(') {
                    throw bad("a resource tag must be followed by a list");
                }
            } else if (c == '(') {
                if (tagged && tag == null) {
                    throw bad("untagged and tagged lists cannot be mixed");
                }
                int[] pos = {i + 1};
                lists.add(new ConditionList(tag, parseList(value, pos)));
                i = pos[0];
            } else {
                throw bad("unexpected '" + c + "'");
            }
        }
        if (lists.isEmpty()) {
            throw bad("no condition list");
        }
        return new IfHeader(List.copyOf(lists));
    }

    private static List<Condition> parseList(String v, int[] pos) {
        List<Condition> out = new ArrayList<>();
        int i = pos[0];
        int n = v.length();
        while (true) {
            i = skipSpace(v, i);
            if (i >= n) {
                throw bad("unterminated list");
            }
            char c = v.charAt(i);
            if (c == ')') {
                if (out.isEmpty()) {
                    throw bad("empty list");
                }
                pos[0] = i + 1;
                return out;
            }
            boolean not = false;
            if (v.regionMatches(true, i, "Not", 0, 3)) {
                not = true;
                i = skipSpace(v, i + 3);
                if (i >= n) {
                    throw bad("unterminated list");
                }
                c = v.charAt(i);
            }
            if (c == '<') {
                int end = v.indexOf('>', i);
                if (end < 0) {
                    throw bad("unterminated state token");
                }
                out.add(new Condition(not, v.substring(i + 1, end).trim(), null));
                i = end + 1;
            } else if (c == '[') {
                int end = v.indexOf(']', i);
                if (end < 0) {
                    throw bad("unterminated entity tag");
                }
                out.add(new Condition(not, null, v.substring(i + 1, end).trim()));
                i = end + 1;
            } else {
                throw bad("expected a state token or an entity tag");
            }
        }
    }

    private static int skipSpace(String v, int i) {
        while (i < v.length() && (v.charAt(i) == ' ' || v.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static DavProblem bad(String why) {
        return DavProblem.badRequest("malformed If header: " + why);
    }

    /** True when any list holds (§10.4.3). */
    boolean evaluate(StateLookup lookup) throws java.io.IOException {
        for (ConditionList l : lists) {
            ResourceState s = lookup.stateOf(l.tag());
            boolean all = true;
            for (Condition c : l.conditions()) {
                boolean match = c.stateToken() != null
                        ? s.lockTokens().contains(c.stateToken())
                        : s.etag() != null && stripWeak(c.entityTag()).equals(s.etag());
                if (match == c.not()) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** The lock tokens the client submits: every state token it does not negate (§10.4.1, §7.5). */
    Set<String> submittedTokens() {
        Set<String> out = new LinkedHashSet<>();
        for (ConditionList l : lists) {
            for (Condition c : l.conditions()) {
                if (c.stateToken() != null && !c.not()) {
                    out.add(c.stateToken());
                }
            }
        }
        return out;
    }

    private static String stripWeak(String etag) {
        return etag.startsWith("W/") ? etag.substring(2) : etag;
    }
}
