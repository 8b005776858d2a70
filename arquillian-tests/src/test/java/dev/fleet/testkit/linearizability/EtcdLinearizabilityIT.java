package dev.fleet.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fleet.testkit.EtcdCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The checker, the client and the etcd harness together: a real 3-member etcd must produce a linearizable history
 * under a concurrent read/write/CAS workload with quorum reads. Needs /usr/bin/etcd (Debian etcd-server).
 */
class EtcdLinearizabilityIT {

    @Test
    void etcdWithQuorumReadsIsLinearizable() throws Exception {
        String binary = System.getProperty("etcd.binary", "/usr/bin/etcd");
        assumeTrue(Files.isExecutable(Path.of(binary)), binary + " is not installed");
        try (EtcdCluster etcd = EtcdCluster.start()) {
            RegisterWorkload workload = RegisterWorkload.builder().keys(5).clients(6).opsPerClient(350).build();
            List<Op> ops = workload.run(etcd.clientUrls()).ops();
            assertThat(ops).hasSize(6 * 350);
            assertThat(ops).anyMatch(o -> o.kind() == Op.Kind.CAS && o.outcome() == Op.Outcome.OK);
            assertThat(ops).anyMatch(o -> o.kind() == Op.Kind.CAS && o.outcome() == Op.Outcome.FAILED);

            long t0 = System.nanoTime();
            LinearizabilityResult r = LinearizabilityChecker.checkHistory(ops);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.verdict()).as(r.toString()).isEqualTo(LinearizabilityResult.Verdict.LINEARIZABLE);
            assertThat(r.keys()).hasSize(5);
            assertThat(ms).as("checker time").isLessThan(5_000);
        }
    }
}
