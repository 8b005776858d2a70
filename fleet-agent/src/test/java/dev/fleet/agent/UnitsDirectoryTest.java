package dev.fleet.agent;

import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitsDirectoryTest {

    @TempDir
    Path tmp;

    @Test
    void hostileNamesAreRefusedBeforeAnyFileIsWritten() throws Exception {
        UnitsDirectory dir = new UnitsDirectory(tmp.resolve("units"));
        dir.create();
        UnitFile f = UnitFile.parse("[Service]\nExecStart=/bin/true\n");
        for (String bad : new String[] {"../x.service", "a/b.service", "/etc/passwd.service", "..", ".", "x", "x.txt",
                "a".repeat(250) + ".service" + "x".repeat(10), "evil\n.service", ""}) {
            assertThatThrownBy(() -> dir.write(bad, f)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("refusing unit name");
        }
        assertThatThrownBy(() -> dir.write("x".repeat(249) + ".service", f))
                .hasMessageContaining("exceeds maximum length (255)");
        try (var files = Files.walk(tmp)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void scanRehashesFilesAndIgnoresWhatIsNotAUnit() throws Exception {
        UnitsDirectory dir = new UnitsDirectory(tmp);
        UnitFile f = UnitFile.parse("[Service]\nExecStart=/bin/true\n");
        dir.write("a.service", f);
        Files.writeString(tmp.resolve("b.service"), "garbage without a section\n");
        Files.writeString(tmp.resolve("notes.txt"), "x");
        Files.createSymbolicLink(tmp.resolve("link.service"), tmp.resolve("a.service"));
        dir.writeSession("0123456789abcdef");
        assertThat(dir.scan()).containsExactly(java.util.Map.entry("a.service", f.hash()), java.util.Map.entry("b.service", "unparsable"));
        assertThat(dir.readSession()).contains("0123456789abcdef");
    }
}
