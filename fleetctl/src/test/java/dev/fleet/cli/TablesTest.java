package dev.fleet.cli;

import dev.fleet.schema.Codec;
import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Golden output of the three tables (§1.3), from fixed API JSON: tabs exactly as Go's tabwriter writes them. */
class TablesTest {
    /** A listing's items as the API's pages give them: {@code items} is the JSON list, with ' for ". */
    static String page(String field, String items) {
        return "{\"" + field + "\":" + items.replace('\'', '"') + "}";
    }

    static final List<Machine> MACHINES = Codec.readMachinePage(page("machines", """
            [{'id':'a91c02ee5b7a4c7e9d0c3f1e2b4a6c8d','primaryIP':'10.0.0.12'},
             {'id':'4d389537aa0b4c1e8f2d3c4b5a697887','primaryIP':'10.0.0.11','metadata':{'role':'db','az':'us-west-1a'}},
             {'id':'noip'}]""")).items();

    static final List<Unit> UNITS = Codec.readUnitPage(page("units", """
            [{'name':'web@.service','options':[{'section':'Service','name':'ExecStart','value':'/bin/web %i'}],
              'desiredState':'inactive','currentState':'inactive'},
             {'name':'db.service','options':[{'section':'Service','name':'ExecStart','value':'/bin/db'}],
              'desiredState':'launched','currentState':'launched','machineID':'4d389537aa0b4c1e8f2d3c4b5a697887'},
             {'name':'log.service','options':[{'section':'Unit','name':'Description','value':'Log shipper'},
               {'section':'Service','name':'ExecStart','value':'/bin/log'},{'section':'X-Fleet','name':'Global','value':'true'}],
              'desiredState':'launched'},
             {'name':'lost.service','options':[{'section':'Service','name':'ExecStart','value':'/bin/lost'}],
              'desiredState':'loaded','currentState':'loaded','machineID':'gone0000111122223333'}]""")).items();

    static final List<UnitState> STATES = Codec.readStatePage(page("states", """
            [{'name':'log.service','hash':'daa5c4176b393c2671130b861edfdf96f20f493c','machineID':'a91c02ee5b7a4c7e9d0c3f1e2b4a6c8d',
              'systemdLoadState':'loaded','systemdActiveState':'active','systemdSubState':'running'},
             {'name':'db.service','hash':'57e3462196cae44ab144322ce1f5c9bbbea826ae','machineID':'4d389537aa0b4c1e8f2d3c4b5a697887',
              'systemdLoadState':'loaded','systemdActiveState':'active','systemdSubState':'running'},
             {'name':'log.service','hash':'daa5c4176b393c2671130b861edfdf96f20f493c','machineID':'4d389537aa0b4c1e8f2d3c4b5a697887',
              'systemdLoadState':'loaded','systemdActiveState':'active','systemdSubState':'running'},
             {'name':'new.service','machineID':'noip'}]""")).items();

    static List<String> f(String spec, java.util.Map<String, ?> valid) {
        return Tables.fields(spec, valid.keySet());
    }

    @Test
    void listUnitsDefault() {
        String out = Tables.listUnits(STATES, MACHINES, f(Tables.UNITS_DEFAULT, Tables.UNIT_STATE_FIELDS), false, true);
        assertThat(out).isEqualTo("""
                UNIT\t\tMACHINE\t\t\tACTIVE\tSUB
                db.service\t4d389537.../10.0.0.11\tactive\trunning
                log.service\t4d389537.../10.0.0.11\tactive\trunning
                log.service\ta91c02ee.../10.0.0.12\tactive\trunning
                new.service\tnoip...\t\t\t-\t-
                """);
    }

    @Test
    void listUnitsAllFieldsFullNoLegend() {
        String out = Tables.listUnits(STATES, MACHINES, f("unit,load,hash,machine", Tables.UNIT_STATE_FIELDS), true, false);
        assertThat(out).isEqualTo("""
                db.service\tloaded\t57e3462196cae44ab144322ce1f5c9bbbea826ae\t4d389537aa0b4c1e8f2d3c4b5a697887/10.0.0.11
                log.service\tloaded\tdaa5c4176b393c2671130b861edfdf96f20f493c\t4d389537aa0b4c1e8f2d3c4b5a697887/10.0.0.11
                log.service\tloaded\tdaa5c4176b393c2671130b861edfdf96f20f493c\ta91c02ee5b7a4c7e9d0c3f1e2b4a6c8d/10.0.0.12
                new.service\t-\t-\t\t\t\t\t\tnoip
                """);
        String shortHash = Tables.listUnits(STATES, MACHINES, f("hash", Tables.UNIT_STATE_FIELDS), false, true);
        assertThat(shortHash).isEqualTo("HASH\n57e3462\ndaa5c41\ndaa5c41\n-\n");
    }

    @Test
    void listUnitFilesDefault() {
        String out = Tables.listUnitFiles(UNITS, MACHINES, f(Tables.UNIT_FILES_DEFAULT, Tables.UNIT_FILE_FIELDS), false, true);
        assertThat(out).isEqualTo("""
                UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET
                db.service\t%s\tlaunched\tlaunched\t4d389537.../10.0.0.11
                log.service\t%s\tlaunched\t-\t\tglobal
                lost.service\t%s\tloaded\t\tloaded\t\tgone0000111122223333
                web@.service\t%s\tinactive\tinactive\t-
                """.formatted(h(1), h(2), h(3), h(0)));
    }

    @Test
    void listUnitFilesOtherFields() {
        String out = Tables.listUnitFiles(UNITS, MACHINES, f("unit,desc,global", Tables.UNIT_FILE_FIELDS), false, true);
        assertThat(out).isEqualTo("""
                UNIT\t\tDESC\t\tGLOBAL
                db.service\t-\t\tfalse
                log.service\tLog shipper\ttrue
                lost.service\t-\t\tfalse
                web@.service\t-\t\tfalse
                """);
    }

    static String h(int i) {
        return Tables.fileOf(UNITS.get(i)).shortHash();
    }

    @Test
    void listMachines() {
        String out = Tables.listMachines(MACHINES, f(Tables.MACHINES_DEFAULT, Tables.MACHINE_FIELDS), false, true);
        assertThat(out).isEqualTo("""
                MACHINE\t\tIP\t\tMETADATA
                4d389537...\t10.0.0.11\taz=us-west-1a,role=db
                a91c02ee...\t10.0.0.12\t-
                noip...\t\t-\t\t-
                """);
        assertThat(Tables.listMachines(MACHINES, f("machine", Tables.MACHINE_FIELDS), true, false))
                .isEqualTo("4d389537aa0b4c1e8f2d3c4b5a697887\na91c02ee5b7a4c7e9d0c3f1e2b4a6c8d\nnoip\n");
    }

    @Test
    void fieldErrorsAreFleets() {
        assertThatThrownBy(() -> Tables.fields("unit,x", Tables.UNIT_STATE_FIELDS.keySet()))
                .hasMessage("Invalid key in output format: \"x\"");
        assertThatThrownBy(() -> Tables.fields("", Tables.UNIT_STATE_FIELDS.keySet())).hasMessage("Must define output format");
    }

    @Test
    void hashesAreSevenCharactersOfTheCanonicalSha1() {
        assertThat(h(1)).isEqualTo("57e3462".substring(0, 0) + Tables.fileOf(UNITS.get(1)).hash().substring(0, 7)).hasSize(7);
    }
}
