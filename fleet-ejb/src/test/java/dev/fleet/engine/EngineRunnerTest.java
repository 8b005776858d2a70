package dev.fleet.engine;

import dev.fleet.registry.LocalStore;
import dev.fleet.schema.Presence;
import dev.fleet.registry.Registry;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The runner: a store change starts a pass by itself, requests coalesce, a refusing executor is survived. */
class EngineRunnerTest {
    final LocalStore store = new LocalStore();
    final Registry registry = new Registry(store);
    final EngineMetrics metrics = new EngineMetrics();
    final Engine engine = new Engine(registry, "n1", () -> true, () -> 1, metrics);
    final Queue<Runnable> tasks = new ArrayDeque<>();
    final AtomicBoolean refuse = new AtomicBoolean();
    final Executor executor = r -> {
        if (refuse.get()) {
            throw new RejectedExecutionException("not yet");
        }
        tasks.add(r);
    };
    final EngineRunner runner = new EngineRunner(engine, registry, executor);

    void runQueued() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    @Test
    void aRegistryChangeStartsAPassWithoutATick() {
        runner.start();
        registry.register(new Presence("m1", "", Map.of(), "t", "s", 30));
        registry.putUnit("a.service", UnitFile.parse("[Service]\nExecStart=/bin/true\n"), DesiredState.LAUNCHED);
        runQueued();
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m1");
    }

    @Test
    void requestsDuringAPassCoalesceIntoOneMorePass() {
        for (int i = 0; i < 5; i++) {
            runner.requestPass();
        }
        assertThat(tasks).hasSize(1);
        runQueued();
        assertThat(metrics.passes()).isEqualTo(1);
    }

    @Test
    void aRefusingExecutorDoesNotStopLaterPasses() {
        refuse.set(true);
        runner.requestPass();
        refuse.set(false);
        runner.requestPass();
        runQueued();
        assertThat(metrics.passes()).isEqualTo(1);
    }
}
