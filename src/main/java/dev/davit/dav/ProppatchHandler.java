package dev.davit.dav;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import dev.davit.storage.Entry;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.SideFiles;
import dev.davit.storage.Snapshot;
import dev.davit.storage.WriteResult;

/**
 * PROPPATCH (RFC 4918 §9.2): the instructions apply in document order and all or none of them do. The
 * new dead properties are committed with the resource, so they are versioned like its content.
 */
final class ProppatchHandler extends DavMethod {
    ProppatchHandler() {
        super("PROPPATCH");
    }

    /** One set (with the property element as stored) or remove (value null). */
    private record Instruction(PropertyName name, String value) {
    }

    /** {@code document}: the new stored properties (null when there are none left, or when refused). */
    private record Outcome(List<Instruction> instructions, List<PropertyName> refused, byte[] document) {
    }

    /** Windows' namespace for the file-system facts Explorer sets after every upload. */
    static final String MICROSOFT = "urn:schemas-microsoft-com:";
    /**
     * Properties that describe one client's copy of a file (its file-system times and attributes), not the
     * content: kept beside the repository with the content they were set for, never committed, so Explorer's
     * PROPPATCH after its PUT is not a second commit per save.
     */
    static final java.util.Set<PropertyName> CLIENT_ONLY = java.util.Set.of(
            new PropertyName(MICROSOFT, "Win32CreationTime"), new PropertyName(MICROSOFT, "Win32LastAccessTime"),
            new PropertyName(MICROSOFT, "Win32LastModifiedTime"), new PropertyName(MICROSOFT, "Win32FileAttributes"),
            LiveProperties.GETLASTMODIFIED);

    @Override
    void handle(DavExchange x) throws Exception {
        RepoPath path = x.path();
        List<Instruction> instructions = parse(x.xmlBody());
        try (Snapshot s = x.repository.head()) {
            Locking.EntryLookup view = SideFileRequests.view(x, s::lookup);
            Entry file = view.lookup(path).filter(e -> !e.isFolder()).orElse(null);
            if (file != null && instructions.stream().allMatch(i -> CLIENT_ONLY.contains(i.name()))) {
                Preconditions.checkWrite(x, path, file);
                x.locking.checkIf(x, view);
                x.locking.requireTokens(x, path, Locking.Reach.RESOURCE, file.id());
                ClientMetadata.Repo meta = x.clientMetadata();
                Outcome o = apply(instructions, meta.clientProperties(path, file.id()));
                if (o.refused().isEmpty()) {
                    meta.setClientProperties(path, file.id(), o.document());
                    meta.sync();
                }
                answer(x, path, o);
                return;
            }
            Optional<SideFiles.SideFile> side = SideFileRequests.find(x, s, path);
            if (side.isPresent()) {
                Entry current = SideFileRequests.entry(side.get());
                Preconditions.checkWrite(x, path, current);
                x.locking.checkIf(x, p -> p.equals(path) ? Optional.of(current) : s.lookup(p));
                x.locking.requireTokens(x, path, Locking.Reach.RESOURCE, current.id());
                Outcome o = apply(instructions, x.repository.sideFiles().metadata(path).orElse(null));
                if (o.refused().isEmpty()) {
                    x.repository.sideFiles().setMetadata(path, o.document());
                }
                answer(x, path, o);
                return;
            }
        }
        WriteResult<Outcome> r = x.repository.write(x.author(), "PROPPATCH " + path, edit -> {
            Entry current = edit.lookup(path).orElseThrow(() -> new NotFoundException(path, "/" + path + " does not exist"));
            Preconditions.checkWrite(x, path, current);
            x.locking.checkIf(x, edit::lookup);
            x.locking.requireTokens(x, path, Locking.Reach.RESOURCE, current.id());
            Outcome o = apply(instructions, edit.metadata(path).orElse(null));
            if (o.refused().isEmpty()) {
                edit.setMetadata(path, o.document()); // else nothing is staged, so nothing is committed
            }
            return o;
        });
        x.revision(r.revision());
        answer(x, path, r.value());
    }

    /** Applies the instructions in order to a copy of the stored properties, or refuses all of them. */
    private static Outcome apply(List<Instruction> instructions, byte[] stored) {
        List<PropertyName> refused = new ArrayList<>();
        for (Instruction i : instructions) {
            if (LiveProperties.PROTECTED.contains(i.name())) {
                refused.add(i.name());
            }
        }
        if (!refused.isEmpty()) {
            return new Outcome(instructions, refused, null);
        }
        DeadProperties props = stored == null ? DeadProperties.empty() : DeadProperties.parse(stored);
        for (Instruction i : instructions) {
            if (i.value() == null) {
                props.remove(i.name());
            } else {
                props.set(i.name(), i.value());
            }
        }
        return new Outcome(instructions, refused, props.toBytes());
    }

    private static void answer(DavExchange x, RepoPath path, Outcome o) throws java.io.IOException {
        try (Multistatus ms = new Multistatus(x.response)) {
            ms.beginResponse(x.target.href(path, x.target.trailingSlash() || path.isRoot()));
            List<String> ok = new ArrayList<>();
            List<String> forbidden = new ArrayList<>();
            List<String> dependent = new ArrayList<>();
            for (Instruction i : o.instructions()) {
                String el = LiveProperties.emptyElement(i.name());
                if (o.refused().isEmpty()) {
                    ok.add(el);
                } else if (o.refused().contains(i.name())) {
                    forbidden.add(el);
                } else {
                    dependent.add(el);
                }
            }
            ms.propstat(ok, 200);
            ms.propstat(forbidden, 403);
            ms.propstat(dependent, 424);
            ms.endResponse();
        }
    }

    private static List<Instruction> parse(byte[] body) {
        if (body.length == 0) {
            throw DavProblem.badRequest("PROPPATCH needs a DAV:propertyupdate body");
        }
        Document doc = Xml.parse(body);
        Element root = doc.getDocumentElement();
        if (!Xml.is(root, Xml.DAV, "propertyupdate")) {
            throw DavProblem.badRequest("PROPPATCH body must be a DAV:propertyupdate element");
        }
        List<Instruction> out = new ArrayList<>();
        for (Element op : Xml.children(root)) {
            boolean set = Xml.is(op, Xml.DAV, "set");
            if (!set && !Xml.is(op, Xml.DAV, "remove")) {
                continue; // §17: unknown elements are ignored.
            }
            for (Element prop : Xml.children(op)) {
                if (!Xml.is(prop, Xml.DAV, "prop")) {
                    continue;
                }
                for (Element p : Xml.children(prop)) {
                    out.add(new Instruction(DeadProperties.nameOf(p), set ? Xml.serialize(p) : null));
                }
            }
        }
        if (out.isEmpty()) {
            throw DavProblem.badRequest("PROPPATCH body names no property");
        }
        return out;
    }
}
