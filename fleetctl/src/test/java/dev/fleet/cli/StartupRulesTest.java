package dev.fleet.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules a short fleetctl run depends on ({@code docs/fleetctl.md}, {@code bin/fleetctl}), checked on the
 * compiled classes of {@code dev.fleet.cli} (target/classes) and on a run as bin/fleetctl starts one. Each assertion
 * names the rule it guards; a failure means the change costs every run some milliseconds.
 */
class StartupRulesTest {
    private static final String PICOCLI = "picocli/";
    /** picocli's annotations: read by reflection, each makes the JDK parse annotations and spin a proxy class. */
    private static final Set<String> PICOCLI_ANNOTATIONS = Set.of("Command", "Option", "Parameters", "Mixin", "Spec",
            "ParentCommand", "Unmatched", "ArgGroup");
    private static List<ClassFile> classes;

    @BeforeAll
    static void readClasses() throws Exception {
        Path root = Path.of(Fleetctl.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<ClassFile> read = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root.resolve("dev/fleet/cli"))) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                read.add(ClassFile.read(p));
            }
        }
        assertThat(read).extracting(c -> c.name).contains("dev/fleet/cli/Fleetctl", "dev/fleet/cli/Verb");
        classes = read;
    }

    /** Every invokedynamic site of our classes, as "Class: bootstrap name descriptor impl". */
    private static List<String> indys(java.util.function.Predicate<ClassFile.Indy> which) {
        List<String> found = new ArrayList<>();
        for (ClassFile c : classes) {
            for (ClassFile.Indy i : c.indys) {
                if (which.test(i)) {
                    found.add(c.name + ": " + i.bootstrap() + " " + i.name() + i.descriptor() + " " + i.impl());
                }
            }
        }
        return found;
    }

    private static boolean isLambda(ClassFile.Indy i) {
        return i.bootstrap().startsWith("java/lang/invoke/LambdaMetafactory.");
    }

    @Test
    void noLambdaOrMethodReferenceImplementsAPicocliInterface() {
        // picocli is Java 5 bytecode: once a lambda links one of its interfaces at dump time, the class-data archive
        // leaves out that interface and every class implementing it; write a class (HelpLayout.Section, Fleetctl.Errors)
        assertThat(indys(i -> isLambda(i) && i.produces().startsWith(PICOCLI)))
                .as("lambdas or method references of picocli's interfaces (IHelpSectionRenderer, IExecutionExceptionHandler,"
                        + " IParameterExceptionHandler, IGetter, ISetter, ...): write a class instead").isEmpty();
    }

    @Test
    void noComparatorFactories() {
        // Comparator.comparing & co. spin their lambdas inside java.base, anew on each run: write a Comparator (Tables.ByFields)
        List<String> found = new ArrayList<>();
        for (ClassFile c : classes) {
            for (ClassFile.Ref r : c.refs) {
                boolean comparator = r.owner().equals("java/util/Comparator")
                        && (r.name().startsWith("comparing") || r.name().startsWith("thenComparing"));
                boolean entry = r.owner().equals("java/util/Map$Entry") && r.name().startsWith("comparingBy");
                if (comparator || entry) {
                    found.add(c.name + ": " + r.owner() + "." + r.name());
                }
            }
        }
        assertThat(found).as("Comparator.comparing/thenComparing or Map.Entry.comparingBy*: write a Comparator class").isEmpty();
    }

    @Test
    void stringConcatenationIsCompiledInline() {
        // -XDstringConcat=inline (fleetctl/pom.xml): each invokedynamic concatenation site spins classes on first use
        assertThat(indys(i -> i.bootstrap().startsWith("java/lang/invoke/StringConcatFactory.")))
                .as("invokedynamic string concatenation: compile with -XDstringConcat=inline (fleetctl/pom.xml)").isEmpty();
    }

    @Test
    void verbsAreDeclaredThroughPicocliProgrammaticApi() {
        // annotated commands make picocli read every annotation by reflection: ≈ 60 ms a run (see Verb)
        List<String> found = new ArrayList<>();
        for (ClassFile c : classes) {
            for (String s : c.utf8) {
                if (s.startsWith("Lpicocli/CommandLine$") && PICOCLI_ANNOTATIONS.contains(s.substring(21, s.length() - 1))) {
                    found.add(c.name + ": @" + s);
                }
            }
            for (ClassFile.Ref r : c.refs) {
                if (r.owner().equals("picocli/CommandLine$Model$CommandSpec") && r.name().startsWith("forAnnotatedObject")) {
                    found.add(c.name + ": " + r.name());
                }
            }
        }
        assertThat(found).as("picocli annotations or annotation inspection: use CommandSpec.wrapWithoutInspection").isEmpty();
    }

    @Test
    void mainAndTheEarlyListingStartLinkNoLambda() {
        // the training run does not run main, so a lambda there is never archived: about 15 ms of method-handle
        // spinning in front of everything else; startFor is the first thing main and the training run call
        ClassFile fleetctl = classNamed("dev/fleet/cli/Fleetctl");
        ClassFile early = classNamed("dev/fleet/cli/EarlyListing");
        assertThat(fleetctl.indysIn("main([Ljava/lang/String;)V")).as("lambdas or method references in Fleetctl.main").isEmpty();
        assertThat(early.indysIn("startFor([Ljava/lang/String;Ljava/util/Map;)Ljava/util/concurrent/Future;"))
                .as("lambdas or method references in EarlyListing.startFor").isEmpty();
    }

    @Test
    void noConstructorReferenceOfAVerb() throws Exception {
        // Fleetctl.newVerb is a switch: a table of constructor references would link and load every verb class
        List<String> found = new ArrayList<>();
        for (String site : indys(i -> isLambda(i) && i.implKind() == 8)) { // 8: REF_newInvokeSpecial
            String owner = site.substring(site.lastIndexOf(' ') + 1, site.lastIndexOf(".<init>"));
            Class<?> c = Class.forName(owner.replace('/', '.'), false, Fleetctl.class.getClassLoader());
            if (Verb.class.isAssignableFrom(c)) {
                found.add(site);
            }
        }
        assertThat(found).as("constructor references of verbs (Fleetctl.newVerb is a switch)").isEmpty();
    }

    @Test
    void aCommandLineNamingAVerbBuildsOnlyThatVerb() {
        for (String verb : Fleetctl.VERBS) {
            Set<String> built = Fleetctl.commandLine(System.out, System.err, new String[] {verb, "x"}).getSubcommands().keySet();
            if (verb.equals("help") || verb.equals("completion")) {
                assertThat(built).as(verb).containsExactlyElementsOf(Fleetctl.VERBS);
            } else {
                assertThat(built).as(verb).containsExactly(verb);
            }
        }
    }

    @Test
    void aRunLoadsOnlyItsOwnVerbsClasses() throws Exception {
        // as bin/fleetctl runs it: our jar not verified again, so only the classes the run uses are loaded
        assertThat(verbClassesLoaded("version")).containsExactly("dev.fleet.cli.Fleetctl$Version");
        assertThat(verbClassesLoaded("--endpoint=http://127.0.0.1:1", "stop")).containsExactly("dev.fleet.cli.Stop");
        assertThat(verbClassesLoaded("--endpoint=http://127.0.0.1:1", "list-machines", "--fields=nope"))
                .containsExactly("dev.fleet.cli.Lists$ListMachines");
    }

    /** The concrete verb classes a fleetctl run with {@code args} loads (a JVM of its own, with bin/fleetctl's verification flags). */
    private static Set<String> verbClassesLoaded(String... args) throws IOException, InterruptedException, ClassNotFoundException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UnlockDiagnosticVMOptions", "-XX:-BytecodeVerificationRemote", "-Xshare:off", "-Xlog:class+load=info",
                "-cp", System.getProperty("java.class.path"), Fleetctl.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Set<String> verbs = new TreeSet<>();
        Matcher m = Pattern.compile("\\] (dev\\.fleet\\.cli\\.[\\w$]+) source:").matcher(log);
        while (m.find()) {
            Class<?> c = Class.forName(m.group(1), false, Fleetctl.class.getClassLoader());
            if (Verb.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) {
                verbs.add(c.getName());
            }
        }
        assertThat(log).as("the run's class-loading log").contains("dev.fleet.cli.Fleetctl source:");
        return verbs;
    }

    private static ClassFile classNamed(String name) {
        return classes.stream().filter(c -> c.name.equals(name)).findFirst().orElseThrow();
    }
}
