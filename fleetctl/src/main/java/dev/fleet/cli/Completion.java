package dev.fleet.cli;

import picocli.AutoComplete;

/** completion: a bash completion script of every verb and option. */
final class Completion extends Verb {
    String shell;

    Completion() {
        super("Print a shell completion script",
                "bash: source <(fleetctl completion bash), or save it in /etc/bash_completion.d/fleetctl.");
        synopsis("fleetctl completion bash");
        add(argument(String.class, () -> shell, v -> shell = v).arity("1").required(true).paramLabel("SHELL")
                .description("bash (zsh can load it with bashcompinit)"));
    }

    @Override
    public Integer call() {
        if (!shell.equals("bash")) {
            root.err.println("Unsupported shell \"" + shell + "\": only bash (zsh: autoload bashcompinit; bashcompinit)");
            return Fleetctl.EXIT_USAGE;
        }
        root.out.print(AutoComplete.bash("fleetctl", spec.parent().commandLine()));
        return Fleetctl.EXIT_OK;
    }
}
