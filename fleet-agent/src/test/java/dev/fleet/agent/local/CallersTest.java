package dev.fleet.agent.local;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which certificate subjects may call the local API: the control plane's (OU=node) only. */
class CallersTest {
    @Test
    void aNodeCertificateMayCall() {
        assertThat(Callers.refusal("CN=n1,OU=node,O=fleet")).isEmpty();
        assertThat(Callers.refusal("O=fleet,OU=node,CN=n1")).isEmpty();
        assertThat(Callers.refusal("cn=n1,ou=node")).as("attribute types are case-insensitive").isEmpty();
    }

    @Test
    void clientsAgentsAndOddSubjectsMayNot() {
        for (String s : new String[] {"CN=alice,OU=operate,O=fleet", "CN=alice,OU=admin,O=fleet", "CN=bob,OU=read,O=fleet",
                "CN=0123456789abcdef0123456789abcdef,OU=agent,O=fleet", "CN=node,O=fleet", "CN=n1,OU=Node,O=fleet",
                "CN=n1,OU=node,OU=agent,O=fleet", "CN=n1,OU=node+OU=admin", "CN=n1,O=node", "CN=x,OU=nodes"}) {
            assertThat(Callers.refusal(s)).as(s).hasValueSatisfying(m -> assertThat(m).contains("OU=node").contains(s));
        }
        assertThat(Callers.refusal(null)).isPresent();
        assertThat(Callers.refusal("")).isPresent();
        assertThat(Callers.refusal("not a = = name,,")).isPresent();
    }
}
