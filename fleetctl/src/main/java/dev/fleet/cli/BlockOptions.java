package dev.fleet.cli;

/** A waiting verb's {@code --block-attempts} and (unless it always waits) {@code --no-block} (§1.4). */
final class BlockOptions {
    int attempts;
    boolean noBlock;

    /**
     * Adds the options to {@code verb}: {@code what} completes "wait this many attempts (about 2 s each)" in the help
     * text; {@code noBlockHelp} null means no {@code --no-block}.
     */
    BlockOptions(Verb verb, String what, String noBlockHelp) {
        verb.add(Verb.option(int.class, () -> attempts, v -> attempts = v, "--block-attempts").paramLabel("N").defaultValue("0")
                .description("wait this many attempts (about 2 s each)" + what + "; 0 waits forever (default 0)"));
        if (noBlockHelp != null) {
            verb.add(Verb.flag(() -> noBlock, v -> noBlock = v, "--no-block").description(noBlockHelp));
        }
    }

    /** The attempts to wait: -1 for none, 0 forever ({@link #blockAttempts}). */
    int block() {
        return blockAttempts(noBlock, attempts);
    }

    /** fleet's getBlockAttempts: --no-block wins (-1), a negative count means 0 (forever). */
    static int blockAttempts(boolean noBlock, int attempts) {
        if (noBlock) {
            return -1;
        }
        return Math.max(attempts, 0);
    }
}
