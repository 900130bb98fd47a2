package dev.davit.storage.history;

import org.eclipse.jgit.lib.ObjectId;

/**
 * One entry of a git tree as git stores it.
 *
 * @param path relative to the tree that was listed
 * @param mode git's octal mode, six digits ({@code 100644}, {@code 100755}, {@code 040000}, {@code 120000}, ...)
 * @param type {@code blob}, {@code tree} or {@code commit} (a submodule)
 * @param size the blob's size in bytes, or -1 for trees and submodules
 */
public record TreeItem(String path, String mode, String type, ObjectId id, long size) {
}
