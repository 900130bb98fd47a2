package dev.davit.storage.history;

import java.util.List;

import org.eclipse.jgit.lib.ObjectId;

/** The entries of a tree (visible ones only), and whether the listing stopped at its size limit. */
public record TreeListing(ObjectId id, List<TreeItem> items, boolean truncated) {
}
