package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the request body parsers of PROPFIND ({@link PropfindHandler#query}), PROPPATCH and LOCK (their
 * private {@code parse} methods, reached by reflection) and the dead-property store
 * ({@link DeadProperties}). Invariants: the only refusal is a {@link DavProblem} with status 400 (XXE,
 * DOCTYPE and entity expansion included); every property value PROPPATCH would store, and every stored
 * document, serialised again parses again to the same XML (same element and attribute names and
 * namespaces, same text): what a client sets is what it gets back.
 */
class XmlBodyFuzzTest {
    private static final MethodHandle PROPPATCH_PARSE = handle(ProppatchHandler.class);
    private static final MethodHandle LOCK_PARSE = handle(LockHandler.class);

    private static MethodHandle handle(Class<?> c) {
        try {
            Method m = c.getDeclaredMethod("parse", byte[].class);
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(c.getSimpleName() + ".parse(byte[]) is gone: update this fuzz test", e);
        }
    }

    /** Runs a parser; true when it accepted, false for a 400; anything else fails the test. */
    private static boolean accepts(String what, ThrowingRunnable r, byte[] body) {
        try {
            r.run();
            return true;
        } catch (DavProblem p) {
            assertThat(p.status()).as("%s of %s", what, new String(body, StandardCharsets.UTF_8)).isEqualTo(400);
            return false;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(what + " threw " + t, t);
        }
    }

    interface ThrowingRunnable {
        void run() throws Throwable;
    }

    @FuzzTest(maxDuration = "30s")
    void propfind(byte[] body) {
        accepts("PROPFIND", () -> {
            PropfindHandler.Query q = PropfindHandler.query(body);
            assertThat(q).isNotNull();
        }, body);
    }

    @FuzzTest(maxDuration = "30s")
    void proppatch(byte[] body) {
        List<Object> out = new ArrayList<>();
        if (!accepts("PROPPATCH", () -> out.add(PROPPATCH_PARSE.invoke(body)), body)) {
            return;
        }
        List<?> instructions = (List<?>) out.get(0);
        assertThat(instructions).isNotEmpty();
        // What the client sent, property by property, in the order PROPPATCH reads it (null for a remove).
        List<String> sent = new ArrayList<>();
        for (Element op : Xml.children(Xml.parse(body).getDocumentElement())) {
            boolean set = Xml.is(op, Xml.DAV, "set");
            if (set || Xml.is(op, Xml.DAV, "remove")) {
                for (Element prop : Xml.children(op)) {
                    if (Xml.is(prop, Xml.DAV, "prop")) {
                        for (Element p : Xml.children(prop)) {
                            sent.add(set ? canonical(p) : null);
                        }
                    }
                }
            }
        }
        assertThat(instructions).hasSameSizeAs(sent);
        // Store every set value as PROPPATCH does, then read the store back: same properties, same XML as sent.
        DeadProperties dead = DeadProperties.empty();
        Map<PropertyName, String> expected = new LinkedHashMap<>();
        for (int k = 0; k < instructions.size(); k++) {
            PropertyName name = component(instructions.get(k), "name");
            String value = component(instructions.get(k), "value");
            if (value == null) {
                dead.remove(name);
                expected.remove(name);
            } else {
                assertThat(canonical(value)).as("PROPPATCH value %s of %s", value, new String(body, StandardCharsets.UTF_8))
                        .isEqualTo(sent.get(k));
                dead.set(name, value);
                expected.put(name, sent.get(k));
            }
        }
        assertStoredRoundTrip(dead, expected);
    }

    @FuzzTest(maxDuration = "30s")
    void lock(byte[] body) {
        accepts("LOCK", () -> assertThat(LOCK_PARSE.invoke(body)).isNotNull(), body);
    }

    /** A stored dead-property document (what a git user could push) reads, and rewritten reads the same. */
    @FuzzTest(maxDuration = "30s")
    void deadProperties(byte[] stored) {
        List<DeadProperties> out = new ArrayList<>();
        if (!accepts("DeadProperties.parse", () -> out.add(DeadProperties.parse(stored)), stored)) {
            return;
        }
        DeadProperties d = out.get(0);
        Map<PropertyName, String> expected = new LinkedHashMap<>();
        for (Element e : Xml.children(Xml.parse(stored).getDocumentElement())) {
            expected.put(DeadProperties.nameOf(e), canonical(e));
        }
        assertThat(d.values().keySet()).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<PropertyName, String> e : d.values().entrySet()) {
            assertThat(canonical(e.getValue())).as("stored %s read as %s", e.getKey(), e.getValue()).isEqualTo(expected.get(e.getKey()));
        }
        assertStoredRoundTrip(d, expected);
    }

    /** {@code expected}: property name to the canonical form of its value. */
    private static void assertStoredRoundTrip(DeadProperties dead, Map<PropertyName, String> expected) {
        byte[] bytes = dead.toBytes();
        if (expected.isEmpty()) {
            assertThat(bytes).isNull();
            return;
        }
        DeadProperties again;
        try {
            again = DeadProperties.parse(bytes);
        } catch (DavProblem p) {
            throw new AssertionError("stored properties do not parse again: " + p.getMessage() + "\n"
                    + new String(bytes, StandardCharsets.UTF_8), p);
        }
        assertThat(again.values().keySet()).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<PropertyName, String> e : expected.entrySet()) {
            String back = again.get(e.getKey());
            assertThat(canonical(back)).as("property %s read back from the store as %s", e.getKey(), back)
                    .isEqualTo(e.getValue());
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T component(Object record, String name) {
        try {
            Method m = record.getClass().getDeclaredMethod(name);
            m.setAccessible(true);
            return (T) m.invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("PROPPATCH instruction has no " + name + "(): update this fuzz test", e);
        }
    }

    /** The XML infoset that matters for a property: names with namespaces, attributes, text; no prefixes. */
    static String canonical(String fragment) {
        Document d = Xml.parse(fragment.getBytes(StandardCharsets.UTF_8));
        return canonical(d.getDocumentElement());
    }

    static String canonical(Element e) {
        StringBuilder sb = new StringBuilder();
        canonical(e, sb);
        return sb.toString();
    }

    private static void canonical(Element e, StringBuilder sb) {
        sb.append("<{").append(e.getNamespaceURI() == null ? "" : e.getNamespaceURI()).append('}').append(e.getLocalName());
        Map<String, String> attrs = new TreeMap<>();
        NamedNodeMap am = e.getAttributes();
        for (int i = 0; i < am.getLength(); i++) {
            Attr a = (Attr) am.item(i);
            if ("http://www.w3.org/2000/xmlns/".equals(a.getNamespaceURI())) {
                continue;
            }
            attrs.put("{" + (a.getNamespaceURI() == null ? "" : a.getNamespaceURI()) + "}"
                    + (a.getLocalName() == null ? a.getName() : a.getLocalName()), a.getValue());
        }
        attrs.forEach((k, v) -> sb.append(' ').append(k).append("=").append(quote(v)));
        sb.append('>');
        StringBuilder text = new StringBuilder();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE) {
                text.append(n.getNodeValue());
            } else if (n instanceof Element c) {
                sb.append(quote(text.toString()));
                text.setLength(0);
                canonical(c, sb);
            }
        }
        sb.append(quote(text.toString())).append("</>");
    }

    private static String quote(String s) {
        return s.isEmpty() ? "" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }
}
