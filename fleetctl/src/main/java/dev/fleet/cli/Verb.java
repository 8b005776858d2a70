package dev.fleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A fleetctl command, declared through picocli's programmatic API: its options and parameters are bound to the
 * command's fields. Declared with annotations instead, picocli reads them by reflection, which makes the JDK parse
 * every annotation and generate a proxy class per annotation type: about 60 ms of each run, more than a 1,000-unit
 * listing takes to fetch.
 */
abstract class Verb implements Callable<Integer> {
    final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);
    /** The root command (global options, output streams, the API client); set when the verb is added to it. */
    Fleetctl root;

    /**
     * {@code description}: the summary line first, then any longer text. The verb's name is the one
     * {@link Fleetctl#VERBS} gives it.
     */
    Verb(String... description) {
        spec.usageMessage().description(description);
        // -h/--help after any verb prints its help (hidden: the help text itself need not list it)
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).hidden(true).description("show this help").build());
    }

    final void synopsis(String line) {
        spec.usageMessage().customSynopsis(line);
    }

    /**
     * A boolean flag: true when given bare, or the value given with it ({@code --no-block=true}, {@code --full=false}),
     * as fleet's flags took one.
     */
    static OptionSpec.Builder flag(Supplier<Boolean> get, Consumer<Boolean> set, String... names) {
        return option(boolean.class, get, set, names).arity("0..1").fallbackValue("true");
    }

    /** An option with a value of {@code type}, kept in a field through {@code get} and {@code set}. */
    static <T> OptionSpec.Builder option(Class<T> type, Supplier<T> get, Consumer<T> set, String... names) {
        Binding<T> b = new Binding<>(get, set);
        // the field's value now is what picocli resets it to (left unset, it would set null into a primitive field)
        return OptionSpec.builder(names).type(type).getter(b).setter(b).initialValue(get.get());
    }

    /** One positional argument of {@code type}. */
    static <T> PositionalParamSpec.Builder argument(Class<T> type, Supplier<T> get, Consumer<T> set) {
        Binding<T> b = new Binding<>(get, set);
        return PositionalParamSpec.builder().type(type).getter(b).setter(b).initialValue(get.get());
    }

    /** Positional arguments, collected in a list of strings. */
    static PositionalParamSpec.Builder arguments(Supplier<List<String>> get, Consumer<List<String>> set) {
        Binding<List<String>> b = new Binding<>(get, set);
        return PositionalParamSpec.builder().type(List.class).auxiliaryTypes(String.class).getter(b).setter(b).initialValue(get.get());
    }

    final void add(OptionSpec.Builder option) {
        spec.addOption(option.build());
    }

    final void add(PositionalParamSpec.Builder parameters) {
        spec.addPositional(parameters.build());
    }

    /** The command line of this verb (it exists once the verb was added to the root). */
    final CommandLine commandLine() {
        return spec.commandLine();
    }

    /** picocli's getter and setter as one object over a field's accessors. */
    private static final class Binding<T> implements IGetter, ISetter {
        private final Supplier<T> get;
        private final Consumer<T> set;

        Binding(Supplier<T> get, Consumer<T> set) {
            this.get = get;
            this.set = set;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <R> R get() {
            return (R) get.get();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <R> R set(R value) {
            R old = get();
            set.accept((T) value);
            return old;
        }
    }
}
