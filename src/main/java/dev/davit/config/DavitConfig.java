package dev.davit.config;

import java.nio.file.Path;
import java.util.List;

import dev.davit.auth.UserAccount;

/**
 * All settings, read once at start. See {@code config/davit.properties} for the meaning of each.
 *
 * @param staleStatus 409 (Davit's conflict contract) or 412 (RFC 9110 strictly) for failed version preconditions
 * @param lockStatus  409 (Davit's conflict contract) or 423 (RFC 4918) for lock collisions
 */
public record DavitConfig(String bind, int port, Path dataDir, String sampleRepository, Path sampleSource,
                          int staleStatus, int lockStatus, long maxLockSeconds, boolean durable, long maxXmlBodyBytes,
                          List<String> junkPatterns, List<UserAccount> users) {
}
