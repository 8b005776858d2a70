package dev.fleet.agent;

import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitFileException;
import dev.fleet.unit.UnitName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The units directory ({@code /run/fleet/units}): the only place the agent writes unit files. A unit
 * name is validated (fleet's rules: no '/', a known type suffix, at most 256 characters) before it
 * becomes a path, and the resolved path must be a direct child of the directory.
 */
public final class UnitsDirectory {

    /** Where the agent keeps its session across a crash (a dot-file: never a unit name). */
    static final String SESSION_FILE = ".agent-session";

    private final Path dir;

    public UnitsDirectory(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    /** Creates the directory (0755) if needed. */
    public void create() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the units directory " + dir, e);
        }
    }

    /**
     * The file of a unit, after validating the name.
     *
     * @throws IllegalArgumentException if the name is not a valid unit name (the message says why)
     */
    public Path pathOf(String name) {
        Optional<String> bad = UnitName.validationError(name);
        if (bad.isPresent()) {
            throw new IllegalArgumentException("refusing unit name '" + printable(name) + "': " + bad.get());
        }
        Path p = dir.resolve(name).normalize();
        if (!p.getParent().equals(dir)) {
            throw new IllegalArgumentException("refusing unit name '" + printable(name) + "': not a file of " + dir);
        }
        return p;
    }

    /** Writes the unit's canonical contents (mode 0644), atomically: a reader sees the old file or the new one. */
    public Path write(String name, UnitFile contents) {
        Path target = pathOf(name);
        try {
            Path tmp = Files.createTempFile(dir, ".write-", ".tmp");
            try {
                Files.writeString(tmp, contents.canonical() + "\n", StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** Deletes a unit's file; absent is fine. */
    public void delete(String name) {
        try {
            Files.deleteIfExists(pathOf(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the file of " + name, e);
        }
    }

    /**
     * The unit files present, by name, with the hash of their contents (re-hashed from disk). A
     * file that does not parse gets the hash {@code "unparsable"}, so the planner replaces or unloads
     * it. Anything that is not a regular file with a valid unit name is ignored (never followed).
     */
    public Map<String, String> scan() {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!UnitName.isValid(name) || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String hash;
                try {
                    hash = UnitFile.parse(Files.readString(f, StandardCharsets.UTF_8)).hash();
                } catch (UnitFileException | IOException | UncheckedIOException e) {
                    hash = "unparsable";
                }
                out.put(name, hash);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return out;
    }

    /** The session this agent used before a crash, if it left one. */
    public Optional<String> readSession() {
        try {
            Path f = dir.resolve(SESSION_FILE);
            return Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
                    ? Optional.of(Files.readString(f).strip()).filter(s -> s.matches("[A-Za-z0-9_-]{8,128}"))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void writeSession(String session) {
        try {
            Path tmp = Files.createTempFile(dir, ".session-", ".tmp");
            Files.writeString(tmp, session + "\n");
            Files.move(tmp, dir.resolve(SESSION_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the session file in " + dir, e);
        }
    }

    public void deleteSession() {
        try {
            Files.deleteIfExists(dir.resolve(SESSION_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A name as it may be shown in a message: control characters escaped, at most 80 characters. */
    static String printable(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        name.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return name.length() > 80 ? b + "…" : b.toString();
    }
}
