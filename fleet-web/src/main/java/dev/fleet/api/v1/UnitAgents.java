package dev.fleet.api.v1;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.model.JournalOutputs;
import dev.fleet.schema.Presence;
import dev.fleet.registry.Registry;
import dev.fleet.registry.UnitRecord;
import dev.fleet.schema.UnitState;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitName;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Where a unit's status and journal come from: the machines a unit is on and the URL of each machine's agent,
 * and how the agents' answers become the API's answer. Pure (registry reads only); {@link UnitAgentResource}
 * does the HTTP. An agent's URL is built only from the validated IP literal and the port its agent registered,
 * never from a URL anything sent us, so the control plane cannot be steered to arbitrary hosts.
 */
public final class UnitAgents {
    public static final int DEFAULT_LINES = 10;
    public static final int MAX_LINES = 10_000;
    private static final Pattern IPV4 = Pattern.compile(
            "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9A-Fa-f:.]{2,45}$");

    private final Registry registry;
    private final boolean https;

    public UnitAgents(Registry registry) {
        this(registry, false);
    }

    /** {@code https}: the node calls the agents over mutual TLS ({@code NodeTls} configured), so their URLs are https. */
    public UnitAgents(Registry registry, boolean https) {
        this.registry = registry;
        this.https = https;
    }

    /** One machine a unit is on: its agent's base URL, or why there is none ({@code agent} null). */
    public record Target(String machineId, URI agent, String problem) {
        public URI status(String unit) {
            return URI.create(agent + "/agent/v1/units/" + segment(unit) + "/status");
        }

        public URI journal(String unit, int lines, boolean follow) {
            return journal(unit, lines, follow, null);
        }

        /** {@code output}: journalctl's output mode, already checked ({@link JournalOutputs}), or null for the agent's default. */
        public URI journal(String unit, int lines, boolean follow, String output) {
            return URI.create(agent + "/agent/v1/units/" + segment(unit) + "/journal?lines=" + lines + "&follow=" + follow
                    + (output == null ? "" : "&output=" + output));
        }
    }

    /** Either an answer to give at once ({@code error}), or the machines to ask. */
    public record StatusPlan(ApiResponse error, String unit, List<Target> targets, String reason) { }

    /** Either an answer to give at once ({@code error}), or the one agent to stream from. */
    public record JournalPlan(ApiResponse error, String unit, Target target, int lines, boolean follow, String output) {
        public URI upstream() {
            return target.journal(unit, lines, follow, output);
        }
    }

    /** What one agent answered a status request: its JSON, or why there is none. */
    public record AgentAnswer(String machineId, JsonObject status, String error) {
        public static AgentAnswer ok(String machineId, JsonObject status) {
            return new AgentAnswer(machineId, status, null);
        }

        public static AgentAnswer failed(String machineId, String error) {
            return new AgentAnswer(machineId, null, error);
        }
    }

    // ------------------------------------------------------------------ status

    public StatusPlan planStatus(String unit) {
        Optional<ApiResponse> bad = badName(unit);
        if (bad.isPresent()) {
            return new StatusPlan(bad.get(), unit, List.of(), null);
        }
        Optional<UnitRecord> u = registry.unit(unit);
        if (u.isEmpty()) {
            return new StatusPlan(ApiResponse.error(404, "unit does not exist"), unit, List.of(), null);
        }
        List<Target> targets = targets(u.get());
        String reason = null;
        if (targets.isEmpty() && !u.get().global() && u.get().desired() != DesiredState.INACTIVE) {
            reason = registry.unplacedReason(unit).orElse(null);
        }
        return new StatusPlan(null, unit, targets, reason);
    }

    /** {"statuses":[agent JSON or {machineID, name, error}...]} in machine-ID order, and the reason if placed nowhere. */
    public static ApiResponse statusResponse(StatusPlan plan, List<AgentAnswer> answers) {
        JsonArrayBuilder items = JSON.createArrayBuilder();
        answers.stream().sorted(java.util.Comparator.comparing(AgentAnswer::machineId)).forEach(a -> {
            if (a.status() != null) {
                items.add(a.status());
            } else {
                items.add(JSON.createObjectBuilder().add("machineID", a.machineId()).add("name", plan.unit())
                        .add("error", a.error() == null ? "no answer" : a.error()));
            }
        });
        JsonObjectBuilder o = JSON.createObjectBuilder().add("statuses", items);
        if (plan.reason() != null) {
            o.add("reason", plan.reason());
        }
        return ApiResponse.json(200, o.build().toString());
    }

    /**
     * The agent's answer as the API passes it on: a 200 object is taken as the agent's status (its machine ID
     * is ours, whatever it says); anything else becomes an error entry with the agent's own message.
     */
    public static AgentAnswer fromAgent(String machineId, int status, String body) {
        JsonObject json = null;
        try {
            json = JSON.createReader(new java.io.StringReader(body == null ? "" : body)).readObject();
        } catch (RuntimeException notJson) {
            // handled below
        }
        if (status == 200 && json != null) {
            return AgentAnswer.ok(machineId, JSON.createObjectBuilder(json).add("machineID", machineId).build());
        }
        String message = body == null ? "" : body.strip();
        if (json != null && json.get("error") instanceof JsonObject e && e.containsKey("message")) {
            message = e.getString("message", message);
        }
        if (message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        return AgentAnswer.failed(machineId, "agent answered HTTP " + status + (message.isEmpty() ? "" : ": " + message));
    }

    // ------------------------------------------------------------------ journal

    public JournalPlan planJournal(String unit, String linesParam, String followParam, String machineId) {
        return planJournal(unit, linesParam, followParam, machineId, null);
    }

    /** {@code outputParam}: journalctl's {@code --output} mode (one of {@link JournalOutputs#MODES}), or null/empty for none. */
    public JournalPlan planJournal(String unit, String linesParam, String followParam, String machineId, String outputParam) {
        Optional<ApiResponse> bad = badName(unit);
        if (bad.isPresent()) {
            return journalError(bad.get());
        }
        int lines = DEFAULT_LINES;
        if (linesParam != null && !linesParam.isEmpty()) {
            try {
                lines = Integer.parseInt(linesParam);
            } catch (NumberFormatException e) {
                lines = -1;
            }
            if (lines < 0 || lines > MAX_LINES) {
                return journalError(ApiResponse.error(400, "lines must be an integer between 0 and " + MAX_LINES));
            }
        }
        boolean follow;
        if (followParam == null || followParam.isEmpty() || followParam.equals("false")) {
            follow = false;
        } else if (followParam.equals("true")) {
            follow = true;
        } else {
            return journalError(ApiResponse.error(400, "follow must be true or false"));
        }
        String output = outputParam == null || outputParam.isEmpty() ? null : outputParam;
        if (output != null && !JournalOutputs.isValid(output)) {
            return journalError(ApiResponse.error(400, JournalOutputs.invalid(output)));
        }
        Optional<UnitRecord> u = registry.unit(unit);
        if (u.isEmpty()) {
            return journalError(ApiResponse.error(404, "unit does not exist"));
        }
        List<Target> targets = targets(u.get());
        if (targets.isEmpty()) {
            String why = u.get().desired() == DesiredState.INACTIVE ? " (its desired state is inactive)"
                    : registry.unplacedReason(unit).map(r -> " (" + r + ")").orElse("");
            return journalError(ApiResponse.error(409, "unit " + unit + " is not on any machine" + why));
        }
        Target target;
        if (machineId == null || machineId.isEmpty()) {
            if (targets.size() > 1) {
                List<String> ids = targets.stream().map(Target::machineId).toList();
                return journalError(ApiResponse.error(400, "unit " + unit + " is on " + ids.size() + " machines ("
                        + String.join(", ", ids) + "): choose one with machineID"));
            }
            target = targets.get(0);
        } else {
            target = targets.stream().filter(t -> t.machineId().equals(machineId)).findFirst().orElse(null);
            if (target == null) {
                return journalError(ApiResponse.error(404, "unit " + unit + " is not on machine " + machineId));
            }
        }
        if (target.agent() == null) {
            return journalError(ApiResponse.error(502, target.problem()));
        }
        return new JournalPlan(null, unit, target, lines, follow, output);
    }

    private static JournalPlan journalError(ApiResponse r) {
        return new JournalPlan(r, null, null, 0, false, null);
    }

    // ------------------------------------------------------------------ resolution

    /**
     * The machines a unit is on, in machine-ID order: a unit's target; for a global unit every live machine
     * that reports a state for it (the agents decide where global units run).
     */
    List<Target> targets(UnitRecord u) {
        TreeSet<String> machines = new TreeSet<>();
        if (u.global()) {
            for (UnitState s : registry.states((unit, machine) -> unit.equals(u.name()))) {
                machines.add(s.machineId());
            }
        } else if (u.target() != null) {
            machines.add(u.target());
        }
        List<Target> out = new ArrayList<>();
        for (String id : machines) {
            out.add(target(id, registry.machineRecord(id).orElse(null), https));
        }
        return out;
    }

    /** The agent URL of a machine, from its presence: validated IP literal and registered port only. */
    static Target target(String machineId, Presence m) {
        return target(machineId, m, false);
    }

    /** As {@link #target(String, Presence)}; {@code https}: an https URL (the agent's local API over mutual TLS). */
    static Target target(String machineId, Presence m, boolean https) {
        if (m == null) {
            return new Target(machineId, null, "machine " + machineId + " is not present (its agent is gone; the engine moves its units)");
        }
        if (m.agentPort() <= 0) {
            return new Target(machineId, null, "the agent of machine " + machineId + " did not register an agentPort");
        }
        Optional<String> host = ipLiteral(m.publicIP());
        if (host.isEmpty()) {
            return new Target(machineId, null, "machine " + machineId + " has no usable public IP (\"" + m.publicIP() + "\")");
        }
        return new Target(machineId, URI.create((https ? "https://" : "http://") + host.get() + ":" + m.agentPort()), null);
    }

    /** The URL host form of an IPv4 or IPv6 literal ("[...]" for IPv6); never a host name (no DNS, no SSRF). */
    static Optional<String> ipLiteral(String ip) {
        if (ip == null || ip.isEmpty()) {
            return Optional.empty();
        }
        if (IPV4.matcher(ip).matches()) {
            return Optional.of(ip);
        }
        if (ip.indexOf(':') >= 0 && IPV6.matcher(ip).matches()) {
            try {
                // a literal with ':' is parsed, never looked up
                return Optional.of("[" + java.net.InetAddress.getByName(ip).getHostAddress() + "]");
            } catch (java.net.UnknownHostException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The organisational unit of the certificates agents serve their local API with ({@code fleet-ca issue --kind=agent}). */
    public static final String AGENT_UNIT = "agent";

    /**
     * Whether the certificate an agent answered with is that machine's: its subject (RFC 2253, as
     * {@code X500Principal.getName()}) must be {@code CN=<machineId>} with the one OU {@code agent}. The TLS handshake
     * has checked the CA and the address; this binds the answer to the machine the registry says is there, so one
     * machine's agent cannot answer for another's units. Empty when it is; otherwise the error for that machine.
     */
    public static Optional<String> agentCertificateProblem(String machineId, String subject) {
        if (subject == null || subject.isBlank()) {
            return Optional.of("the agent of machine " + machineId + " presented no certificate");
        }
        List<String> cns = new ArrayList<>();
        List<String> ous = new ArrayList<>();
        try {
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(subject).getRdns()) {
                values(rdn, "CN", cns);
                values(rdn, "OU", ous);
            }
        } catch (javax.naming.NamingException e) {
            return Optional.of("the agent of machine " + machineId + " presented a certificate with an unreadable subject");
        }
        if (!ous.equals(List.of(AGENT_UNIT))) {
            return Optional.of("agent certificate of machine " + machineId + " is not an agent's (OU=" + AGENT_UNIT + "): " + subject);
        }
        if (cns.size() != 1 || !cns.get(0).equals(machineId)) {
            return Optional.of("agent certificate is for machine " + (cns.isEmpty() ? "(none)" : String.join(",", cns))
                    + ", not " + machineId);
        }
        return Optional.empty();
    }

    private static void values(javax.naming.ldap.Rdn rdn, String type, List<String> out) throws javax.naming.NamingException {
        javax.naming.directory.Attribute a = rdn.toAttributes().get(type);
        for (int i = 0; a != null && i < a.size(); i++) {
            out.add(String.valueOf(a.get(i)));
        }
    }

    private static Optional<ApiResponse> badName(String unit) {
        return UnitName.validationError(unit).map(m -> ApiResponse.error(400, m));
    }

    private static String segment(String unit) {
        return URLEncoder.encode(unit, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Machine IDs by target, for tests and messages. */
    static Map<String, URI> agents(List<Target> targets) {
        Map<String, URI> m = new java.util.LinkedHashMap<>();
        targets.forEach(t -> m.put(t.machineId(), t.agent()));
        return m;
    }
}
