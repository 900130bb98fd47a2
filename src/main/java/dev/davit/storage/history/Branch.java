package dev.davit.storage.history;

import org.eclipse.jgit.lib.ObjectId;

/** A branch: its short name ({@code main}) and the commit it points at. */
public record Branch(String name, ObjectId head) {
}
