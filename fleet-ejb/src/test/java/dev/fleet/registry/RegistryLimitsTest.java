package dev.fleet.registry;

import dev.fleet.schema.Presence;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** limit_units and limit_machines: a new one past the limit is refused with nothing written; existing ones stay writable. */
class RegistryLimitsTest {
    final LocalStore store = new LocalStore();
    final Registry registry = new Registry(store, 2, 2);

    static final UnitFile SLEEP = UnitFile.parse("[Service]\nExecStart=/bin/sleep 100\n");
    static final UnitFile SLEEP2 = UnitFile.parse("[Service]\nExecStart=/bin/sleep 200\n");

    @Test
    void aNameOrOptionTheAgentsCouldNotUseIsRefusedHereTooWhoeverCalls() {
        long index = store.index();
        PutOutcome badName = registry.putUnit("../etc/passwd.service", SLEEP, DesiredState.LAUNCHED);
        assertThat(badName).isInstanceOf(PutOutcome.Refused.class);
        assertThat(((PutOutcome.Refused) badName).status()).isEqualTo(400);
        PutOutcome badOption = registry.putUnit("ok.service", UnitFile.of(java.util.List.of(
                new dev.fleet.unit.UnitOption("Service", "ExecStart", "/bin/a\u0000b"))), DesiredState.LAUNCHED);
        assertThat(badOption).isInstanceOf(PutOutcome.Refused.class);
        assertThat(((PutOutcome.Refused) badOption).message()).contains("ExecStart");
        assertThat(store.index()).as("nothing proposed").isEqualTo(index);
    }

    @Test
    void unitsUpToTheLimitThenRefusedButExistingOnesStillChange() {
        assertThat(registry.putUnit("a.service", SLEEP, null)).isEqualTo(new PutOutcome.Created(false));
        assertThat(registry.putUnit("b.service", SLEEP, null)).isEqualTo(new PutOutcome.Created(false));
        long index = store.index();
        assertThat(registry.putUnit("c.service", SLEEP, DesiredState.LAUNCHED)).isEqualTo(new PutOutcome.Refused(400,
                "too many units: the cluster has its limit of 2 (limit_units); destroy one first"));
        assertThat(store.index()).as("nothing proposed").isEqualTo(index);
        assertThat(registry.unit("c.service")).isEmpty();
        // existing units: new desired state, new contents (a replace) still go through
        assertThat(registry.putUnit("a.service", null, DesiredState.LAUNCHED)).isEqualTo(new PutOutcome.Updated());
        assertThat(registry.putUnit("b.service", SLEEP2, DesiredState.LOADED)).isEqualTo(new PutOutcome.Created(true));
        assertThat(registry.destroy("a.service")).isTrue();
        assertThat(registry.putUnit("c.service", SLEEP, null)).isEqualTo(new PutOutcome.Created(false));
    }

    @Test
    void machinesUpToTheLimitThenRefusedButRegisteredOnesStillRefresh() {
        assertThat(registry.register(machine("m1", "s1"))).isInstanceOf(Registry.Registration.Registered.class);
        assertThat(registry.register(machine("m2", "s2"))).isInstanceOf(Registry.Registration.Registered.class);
        long index = store.index();
        assertThat(registry.register(machine("m3", "s3"))).isEqualTo(new Registry.Registration.OverLimit(
                "too many machines: the cluster has its limit of 2 (limit_machines) registered"));
        assertThat(store.index()).as("nothing proposed").isEqualTo(index);
        assertThat(registry.machineRecord("m3")).isEmpty();
        assertThat(registry.register(machine("m1", "s1"))).isInstanceOf(Registry.Registration.Refreshed.class);
        assertThat(registry.deregister("m2", "s2")).isTrue();
        assertThat(registry.register(machine("m3", "s3"))).isInstanceOf(Registry.Registration.Registered.class);
    }

    static Presence machine(String id, String session) {
        return new Presence(id, "10.0.0.1", Map.of(), "test", session, 30);
    }
}
