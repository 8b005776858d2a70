package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Unit;
import dev.fleet.unit.Requirements;
import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitFileException;
import dev.fleet.unit.UnitName;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** submit, load and start: create units from files or templates as needed (§1.5, §1.6). */
abstract class CreatingCommand extends UnitCommand {
    boolean replace;
    boolean sign;
    /** The desired states in which --replace may replace a unit. */
    private final Set<String> replaceableStates;

    CreatingCommand(String description, Set<String> replaceableStates) {
        super(description);
        this.replaceableStates = replaceableStates;
        add(flag(() -> replace, v -> replace = v, "--replace").description("replace the unit in the cluster if the local file differs"));
        add(flag(() -> sign, v -> sign = v, "--sign").hidden(true).description("DEPRECATED"));
    }

    /** The exit code when there is nothing to create: --sign (deprecated) or no units given; else null. */
    final Integer refused() {
        if (sign) {
            root.err.println("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.");
            return Fleetctl.EXIT_USAGE;
        }
        return noUnitsGiven() ? Fleetctl.EXIT_OK : null;
    }

    /** Reads a local unit file, or null if there is none at that path. */
    private static UnitFile localFile(Path p) {
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            return UnitFile.parse(Files.readString(p));
        } catch (IOException e) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: unable to read " + p + ": " + e.getMessage());
        } catch (UnitFileException e) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: error parsing unit file " + p + ": " + e.getMessage());
        }
    }

    /** The local file to compare a registry unit with: the file itself, or the local template of an instance. */
    private static UnitFile localForCompare(String arg, String name) {
        Path p = Path.of(arg);
        UnitFile f = localFile(p);
        if (f == null && UnitName.isInstance(name)) {
            Optional<String> t = UnitName.templateOf(name);
            if (t.isPresent()) {
                Path dir = p.getParent();
                f = localFile(dir == null ? Path.of(t.get()) : dir.resolve(t.get()));
            }
        }
        return f;
    }

    /** fleet's getUnitFile: the local file, else an instance's template from the registry or the local directory. */
    private UnitFile unitFileFor(String arg, String name) {
        Path p = Path.of(arg);
        UnitFile f = localFile(p);
        if (f != null) {
            return f;
        }
        if (!UnitName.isInstance(name)) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE,
                    "Error creating units: unable to find Unit(" + name + ") in Registry or on filesystem");
        }
        String template = UnitName.templateOf(name).orElseThrow();
        Optional<Unit> t = unit(template);
        if (t.isPresent()) {
            return Tables.fileOf(t.get());
        }
        Path dir = p.getParent();
        f = localFile(dir == null ? Path.of(template) : dir.resolve(template));
        if (f == null) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE,
                    "Error creating units: unable to find template Unit(" + template + ") in Registry or on filesystem");
        }
        return f;
    }

    private void create(String name, UnitFile f) {
        Optional<String> bad = UnitName.validationError(name);
        if (bad.isPresent()) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: " + bad.get());
        }
        if (f.isEmpty()) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: unit " + name + " has no options");
        }
        // the API's own rule (fleet-model): refused here with its message before anything is sent
        Optional<String> badOption = dev.fleet.unit.UnitValidation.optionsError(f.options());
        if (badOption.isPresent()) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: " + badOption.get());
        }
        List<String> errors = Requirements.validate(f);
        if (!errors.isEmpty()) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: " + errors.get(0));
        }
        List<String> unknown = Requirements.of(name, f).unknownKeys();
        if (!unknown.isEmpty()) {
            root.err.println("WARNING: Unit " + name + " has unknown [X-Fleet] option(s): " + String.join(", ", unknown));
        }
        try {
            createUnit(name, f.options());
        } catch (FleetClient.ApiException e) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: " + e.getMessage());
        }
    }

    /** fleet's lazyCreateUnits; returns the mangled names of all arguments, in order, without duplicates. */
    final List<String> lazyCreate() {
        List<String> names = new ArrayList<>();
        List<String> created = new ArrayList<>();
        for (String raw : args) {
            String arg = maybeAppendDefaultType(raw);
            String name = mangle(arg);
            if (names.contains(name)) {
                continue;
            }
            names.add(name);
            Optional<Unit> existing = unit(name);
            if (existing.isPresent()) {
                Unit u = existing.get();
                UnitFile local = localForCompare(arg, name);
                if (local == null) {
                    continue;
                }
                boolean different = !local.hash().equals(Tables.fileOf(u).hash());
                if (!replace) {
                    if (different) {
                        root.err.println("WARNING: Unit " + name + " in registry differs from local unit file " + arg
                                + ". Add --replace to override.");
                    }
                    continue;
                }
                String desired = Tables.or(u.desiredState(), "");
                if (!replaceableStates.contains(desired)) {
                    root.err.println("Warning: can not replace Unit(" + name + ") in state '" + desired
                            + "', use the appropriate command");
                    continue;
                }
                if (!different) {
                    root.err.println("Found same Unit(" + name + ") in Registry, nothing to do");
                    continue;
                }
                create(name, local);
                created.add(name);
                continue;
            }
            create(name, unitFileFor(arg, name));
            created.add(name);
        }
        for (String name : created) {
            root.out.println("Unit " + name + " inactive");
        }
        return names;
    }
}
