package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

import dev.davit.testutil.Dav;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * Dead property values keep their XML namespaces and nested elements (litmus props: propvalnspace,
 * propwformed, propmanyns), including namespaces declared on an ancestor in the request.
 */
class LitmusPropNamespaceTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        s.put("ns.txt", "x");
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void nestedElementsInOtherNamespacesSurviveTheRoundTrip() throws Exception {
        String value = "<Z:author xmlns:Z=\"http://example.com/z\">"
                + "<Z:name>Ann</Z:name><W:role xmlns:W=\"urn:w\" W:level=\"2\">editor</W:role>tail</Z:author>";
        HttpResponse<String> r = Dav.proppatch(s, "ns.txt", Dav.setProps(value));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);

        MultiStatus.Prop p = Dav.props(s, "ns.txt", "0").get("ns.txt").prop("{http://example.com/z}author");
        assertThat(p).isNotNull();
        assertThat(p.status()).isEqualTo(200);
        List<Element> kids = MultiStatus.children(p.element());
        assertThat(kids).hasSize(2);
        assertThat(kids.get(0).getNamespaceURI()).isEqualTo("http://example.com/z");
        assertThat(kids.get(0).getLocalName()).isEqualTo("name");
        assertThat(kids.get(0).getTextContent()).isEqualTo("Ann");
        assertThat(kids.get(1).getNamespaceURI()).isEqualTo("urn:w");
        assertThat(kids.get(1).getLocalName()).isEqualTo("role");
        assertThat(kids.get(1).getTextContent()).isEqualTo("editor");
        assertThat(kids.get(1).getAttributeNS("urn:w", "level")).isEqualTo("2");
        assertThat(p.text()).isEqualTo("Anneditortail");
    }

    @Test
    void namespaceDeclaredOnTheRequestRootIsKeptWithTheValue() throws Exception {
        // litmus propvalnspace: the value's prefix is declared on propertyupdate, not on the property.
        String body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                + "<propertyupdate xmlns=\"DAV:\" xmlns:X=\"http://example.com/neon/litmus/\" xmlns:Y=\"urn:y\"><set><prop>"
                + "<X:valnspace><Y:foo>bar</Y:foo><inner>dav</inner></X:valnspace></prop></set></propertyupdate>";
        HttpResponse<String> r = Dav.proppatch(s, "ns.txt", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);

        HttpResponse<String> pf = Dav.propfind(s, "ns.txt", "0");
        MultiStatus.Prop p = MultiStatus.parse(pf.body()).get("ns.txt").prop("{http://example.com/neon/litmus/}valnspace");
        assertThat(p).as(pf.body()).isNotNull();
        List<Element> kids = MultiStatus.children(p.element());
        assertThat(kids).hasSize(2);
        assertThat(kids.get(0).getNamespaceURI()).isEqualTo("urn:y");
        assertThat(kids.get(0).getLocalName()).isEqualTo("foo");
        assertThat(kids.get(0).getTextContent()).isEqualTo("bar");
        assertThat(kids.get(1).getNamespaceURI()).isEqualTo("DAV:");
        assertThat(kids.get(1).getLocalName()).isEqualTo("inner");
    }

    @Test
    void aPropertyInTheEmptyNamespaceKeepsIt() throws Exception {
        String body = "<?xml version=\"1.0\"?><D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>"
                + "<plain xmlns=\"\"><child>v</child></plain></D:prop></D:set></D:propertyupdate>";
        HttpResponse<String> r = Dav.proppatch(s, "ns.txt", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        HttpResponse<String> pf = Dav.propfind(s, "ns.txt", "0");
        MultiStatus.Prop p = MultiStatus.parse(pf.body()).get("ns.txt").prop("{}plain");
        assertThat(p).as(pf.body()).isNotNull();
        Element child = MultiStatus.children(p.element()).get(0);
        assertThat(child.getNamespaceURI()).isNull();
        assertThat(child.getLocalName()).isEqualTo("child");
        assertThat(child.getTextContent()).isEqualTo("v");
    }

    @Test
    void markupCharactersInValuesRoundTrip() throws Exception {
        String body = Dav.setProps("<Q:text xmlns:Q=\"urn:q\">a &lt;b&gt; &amp; c</Q:text>");
        HttpResponse<String> r = Dav.proppatch(s, "ns.txt", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        assertThat(Dav.props(s, "ns.txt", "0").get("ns.txt").prop("{urn:q}text").text()).isEqualTo("a <b> & c");
    }
}
