package dev.fleet.agent;

/**
 * fleet-agent's entry point. The agent (presence, reconcile, systemd over D-Bus) is the subject of its own
 * issue; until it lands this jar only reports its version and refuses to run.
 */
public final class AgentMain {
    private AgentMain() { }

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("version"))) {
            System.out.println("fleet-agent 0.1.0");
            return;
        }
        System.err.println("fleet-agent: the agent is not implemented yet (see the agent issue); only --version works");
        System.exit(2);
    }
}
