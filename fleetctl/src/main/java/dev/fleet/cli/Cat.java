package dev.fleet.cli;

import dev.fleet.schema.Unit;

import java.util.Optional;

/** cat: a submitted unit's file, as the registry holds it. */
final class Cat extends UnitCommand {
    Cat() {
        super("Output the contents of a submitted unit");
    }

    @Override
    public Integer call() {
        String name = singleUnit(root, args, "One unit file must be provided");
        if (name == null) {
            return Fleetctl.EXIT_FAILURE;
        }
        Optional<Unit> u = unit(name);
        if (u.isEmpty()) {
            root.err.println("Unit " + name + " not found");
            return Fleetctl.EXIT_FAILURE;
        }
        root.out.print(Tables.fileOf(u.get()).canonical());
        return Fleetctl.EXIT_OK;
    }
}
