package dev.fleet.api.v1;

import dev.fleet.testkit.TestPki;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.fleet.client.Tls;
import dev.fleet.node.NodeTls;
import dev.fleet.registry.LocalStore;
import dev.fleet.registry.Registry;
import dev.fleet.schema.Presence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node calling agents over mutual TLS with its {@link NodeTls}: it presents the node's certificate, takes the
 * status and the journal from the machine's own agent certificate, and refuses an answer from a certificate for
 * another machine, from a non-agent certificate, or from one whose IP SAN is not the address it called.
 */
class AgentTlsTest {
    static final String MACHINE = "0123456789abcdef0123456789abcdef";
    static final String OTHER = "fedcba9876543210fedcba9876543210";
    @TempDir
    static Path dir;
    static TestPki pki;
    static final List<HttpsServer> servers = new ArrayList<>();
    static final Queue<String> callers = new ConcurrentLinkedQueue<>();
    static HttpClient client;
    static URI agent;
    static URI clientCertAgent;
    static URI wrongIpAgent;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(dir, "fleet test CA");
        CompletableFuture.allOf(
                issue("agent", "CN=" + MACHINE + ",OU=agent,O=fleet", "127.0.0.1"),
                issue("n1", "CN=n1,OU=node,O=fleet", "127.0.0.1"),
                issue("alice", "CN=alice,OU=operate,O=fleet", "127.0.0.1"),
                issue("elsewhere", "CN=" + MACHINE + ",OU=agent,O=fleet", "10.9.9.9")).join();
        agent = serve("agent");
        clientCertAgent = serve("alice");
        wrongIpAgent = serve("elsewhere");
        client = UnitAgentResource.newClient(new NodeTls(pki.p12("n1"), pki.truststore(), TestPki.PASSWORD));
    }

    static CompletableFuture<Void> issue(String name, String subject, String ip) {
        return CompletableFuture.runAsync(() -> {
            try {
                pki.issue(name, subject, ip);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** A fake agent's local API presenting NAME's certificate and requiring a client certificate of the CA. */
    static URI serve(String name) throws Exception {
        SSLContext ctx = Tls.serverFromPem(pki.ca(), pki.cert(name), pki.key(name));
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        s.createContext("/agent/v1/units/", ex -> {
            try (ex) {
                callers.add(((HttpsExchange) ex).getSSLSession().getPeerPrincipal().getName());
                boolean journal = ex.getRequestURI().getPath().endsWith("/journal");
                byte[] body = (journal ? "line 1\nline 2\n" : "{\"machineID\":\"" + MACHINE + "\",\"name\":\"a.service\",\"text\":\"secret\"}")
                        .getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        s.start();
        servers.add(s);
        return URI.create("https://127.0.0.1:" + s.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        servers.forEach(s -> s.stop(0));
    }

    static UnitAgents.AgentAnswer status(String machineId, URI at) {
        return UnitAgentResource.ask(client, new UnitAgents.Target(machineId, at, null), "a.service").join();
    }

    static JournalFilter.Upstream journal(String machineId, URI at) throws Exception {
        return JournalFilter.open(client, new UnitAgents.JournalPlan(null, "a.service", new UnitAgents.Target(machineId, at, null),
                10, false, null));
    }

    @Test
    void theMachinesOwnAgentAnswersStatusAndJournalToTheNodesCertificate() throws Exception {
        UnitAgents.AgentAnswer a = status(MACHINE, agent);
        assertThat(a.error()).isNull();
        assertThat(a.status().getString("text")).isEqualTo("secret");
        assertThat(callers).contains("CN=n1,OU=node,O=fleet");

        JournalFilter.Upstream up = journal(MACHINE, agent);
        assertThat(up.error()).isNull();
        try (InputStream in = up.response().body()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("line 1\nline 2\n");
        }
    }

    @Test
    void anAgentCertificateForAnotherMachineIsAnErrorAndItsBodyIsNotPassedOn() throws Exception {
        UnitAgents.AgentAnswer a = status(OTHER, agent);
        assertThat(a.status()).isNull();
        assertThat(a.error()).isEqualTo("agent certificate is for machine " + MACHINE + ", not " + OTHER);

        JournalFilter.Upstream up = journal(OTHER, agent);
        assertThat(up.response()).isNull();
        assertThat(up.error().status()).isEqualTo(502);
        assertThat(up.error().body()).contains("agent certificate is for machine " + MACHINE + ", not " + OTHER)
                .doesNotContain("line 1");
    }

    @Test
    void aCertificateThatIsNotAnAgentsOrNotForTheAddressIsRefused() throws Exception {
        assertThat(status(MACHINE, clientCertAgent).error()).contains("is not an agent's (OU=agent)").contains("CN=alice");
        assertThat(status(MACHINE, wrongIpAgent).error()).as("IP SAN 10.9.9.9, called on 127.0.0.1")
                .startsWith("agent at " + wrongIpAgent + " did not answer");
        assertThat(journal(MACHINE, wrongIpAgent).error().status()).isEqualTo(502);
    }

    @Test
    void targetsAreHttpsWithTheNodesTlsAndHttpWithout() {
        Registry registry = new Registry(new LocalStore());
        registry.register(new Presence(MACHINE, "10.0.0.21", Map.of(), "t", "s", 30, 4002));
        Presence p = registry.machineRecord(MACHINE).orElseThrow();
        assertThat(UnitAgents.target(MACHINE, p, true).agent()).isEqualTo(URI.create("https://10.0.0.21:4002"));
        assertThat(UnitAgents.target(MACHINE, p, false).agent()).isEqualTo(URI.create("http://10.0.0.21:4002"));
        assertThat(UnitAgents.target(MACHINE, p).agent()).isEqualTo(URI.create("http://10.0.0.21:4002"));
    }
}
