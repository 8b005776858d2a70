package dev.fleet.testkit.machines;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Boots one {@link DevCluster} per test class, on a network of its own (a free {@code 10.77.N.0/24}, N ≥ 1, so it
 * never meets the dev cluster on net 0), and always tears it down: in {@code afterAll}, and from the cluster's
 * shutdown hook if the JVM ends first. Instances left by a crashed run are removed before a new one is claimed.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(3).metadata("m1", "region=eu");
 * ...  FLEET.cluster().machine("m1").exec("systemctl", "show", "-p", "ActiveState", "hello.service") ...
 * }</pre>
 * or {@code @ExtendWith(DevClusterExtension.class) @DevClusterConfig(machines = 3)} with a {@link DevCluster}
 * parameter in test methods or lifecycle methods.
 */
public final class DevClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private int nodes = 1;
    private int machines = 2;
    private String ttl = "5s";
    private boolean agents = true;
    private boolean secured;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private boolean configured;
    private DevCluster cluster;

    /** For {@code @ExtendWith}: the configuration comes from {@link DevClusterConfig} on the class (or defaults). */
    public DevClusterExtension() { }

    public static DevClusterExtension nodes(int n) {
        DevClusterExtension e = new DevClusterExtension();
        e.configured = true;
        e.nodes = n;
        return e;
    }

    public DevClusterExtension machines(int n) {
        this.machines = n;
        this.configured = true;
        return this;
    }

    public DevClusterExtension ttl(String t) {
        this.ttl = t;
        return this;
    }

    public DevClusterExtension metadata(String machine, String keyValues) {
        metadata.put(machine, keyValues);
        return this;
    }

    /** A secured cluster (DevCluster.Builder#secured): CA, HTTPS, every agent with its machine's certificate. */
    public DevClusterExtension secured(boolean on) {
        this.secured = on;
        return this;
    }

    public DevClusterExtension agents(boolean on) {
        this.agents = on;
        return this;
    }

    /** The running cluster (from beforeAll on). */
    public DevCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the dev cluster starts in beforeAll; it is not running now");
        }
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        DevClusterConfig cfg = testClass.getAnnotation(DevClusterConfig.class);
        if (cfg != null && !configured) {
            nodes = cfg.nodes();
            machines = cfg.machines();
            ttl = cfg.ttl();
            agents = cfg.agents();
            for (String md : cfg.metadata()) {
                int colon = md.indexOf(':');
                if (colon < 1) {
                    throw new IllegalArgumentException("@DevClusterConfig metadata '" + md + "': MACHINE:k=v[,k=v...]");
                }
                metadata.put(md.substring(0, colon), md.substring(colon + 1));
            }
        }
        DevCluster.Builder b = DevCluster.builder().nodes(nodes).machines(machines).ttl(ttl).agents(agents).secured(secured)
                .progress(line -> System.out.println("[" + testClass.getSimpleName() + "] " + line));
        metadata.forEach(b::metadata);
        String work = System.getProperty("fleet.test.work");
        if (work != null) {
            b.workDir(Path.of(work, "devcluster-" + testClass.getSimpleName()));
        }
        cluster = b.start();
        if (agents && machines > 0) {
            // tests start from a whole cluster: with a machine still registering, the first units would all land on the others
            cluster.awaitRegistered(java.time.Duration.ofMinutes(3));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            try {
                cluster.close();
            } finally {
                cluster = null;
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == DevCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return cluster();
    }
}
