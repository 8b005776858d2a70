package dev.fleet.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Generated-input tests without a property-testing library (jqwik 1.10.1 asks AI agents in its output not to use it,
 * so this project does not, until its people decide): {@link #check} runs a property over {@code tries} inputs drawn
 * from one seeded {@link Random}, and a failure names the seed, the try and the input, so that
 * {@code -Dfleet.test.seed=SEED} replays it. No shrinking: the generators keep inputs small instead. Shared with
 * fleet-web's and fleet-agent's tests through fleet-model's test jar.
 */
public final class Generated {
    private final Random random;

    private Generated(Random random) {
        this.random = random;
    }

    /** Runs {@code property} on {@code tries} inputs from {@code generator}; the seed is fixed unless given. */
    public static <T> void check(int tries, Function<Generated, T> generator, Consumer<T> property) {
        long seed = Long.getLong("fleet.test.seed", 20261203L);
        Generated g = new Generated(new Random(seed));
        for (int i = 0; i < tries; i++) {
            T input = generator.apply(g);
            try {
                property.accept(input);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("property failed on try " + i + " (seed " + seed + ", -Dfleet.test.seed=" + seed
                        + " replays it) for input: " + printable(input), e);
            }
        }
    }

    private static String printable(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(400).forEach(c -> b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", c) : new String(Character.toChars(c))));
        return b.toString();
    }

    public int between(int min, int max) {
        return min + random.nextInt(max - min + 1);
    }

    public boolean bool() {
        return random.nextBoolean();
    }

    @SafeVarargs
    public final <T> T oneOf(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** One of the generators, each as likely. */
    @SafeVarargs
    public final <T> T anyOf(Function<Generated, T>... generators) {
        return generators[random.nextInt(generators.length)].apply(this);
    }

    /** Up to {@code maxLength} characters drawn from {@code chars}. */
    public String string(String chars, int maxLength) {
        int n = between(0, maxLength);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(chars.charAt(random.nextInt(chars.length())));
        }
        return b.toString();
    }

    /** Up to {@code maxLength} chars of any kind: ASCII, other BMP characters, and lone surrogates. */
    public String anyString(int maxLength) {
        int n = between(0, maxLength);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) switch (random.nextInt(4)) {
                case 0 -> between(0x20, 0x7e);
                case 1 -> between(0, 0x1f);
                case 2 -> between(0xa0, 0xd7ff);
                default -> between(0xd800, 0xdfff);
            });
        }
        return b.toString();
    }

    /** Up to {@code maxSize} elements from {@code element}. */
    public <T> List<T> list(int maxSize, Function<Generated, T> element) {
        int n = between(0, maxSize);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.apply(this));
        }
        return out;
    }
}
