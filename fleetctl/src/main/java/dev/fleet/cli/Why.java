package dev.fleet.cli;

import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** why: the engine's reason a unit is not placed, or its states on each machine. */
final class Why extends UnitCommand {
    Why() {
        super("Explain why a unit is not placed or not running",
                "The engine's reason for a unit without a machine; for a placed unit its desired and current state",
                "and systemd's state and result on each machine.");
        synopsis("fleetctl why UNIT");
    }

    @Override
    public Integer call() {
        String name = singleUnit(root, args, "One unit must be provided");
        if (name == null) {
            return Fleetctl.EXIT_FAILURE;
        }
        Optional<Unit> u = unit(name);
        List<UnitState> states = u.isPresent() ? states(name) : List.of();
        Map<String, Machine> machines = u.isPresent() ? Tables.machineIndex(machines()) : Map.of();
        AgentViews.Printed p = AgentViews.why(name, u.orElse(null), states, machines);
        root.out.print(p.out());
        root.err.print(p.err());
        return p.code();
    }
}
