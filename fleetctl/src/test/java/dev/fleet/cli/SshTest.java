package dev.fleet.cli;

import jakarta.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * fleetctl ssh and --tunnel: the exact ssh argv for given flags (pure functions), and runs of a fake ssh (a script
 * that records its arguments) for machine/unit resolution, fleet's messages and the exit code.
 */
class SshTest {
    static final String M1 = "m1aaaaaaaaaaaaaa";
    static final String M2 = "m2bbbbbbbbbbbbbb";
    static final SshOptions DEFAULTS = new SshOptions("ssh", "core", 10.0, "/home/u/.fleetctl/known_hosts", true, "");
    static final List<String> COMMON = List.of("-l", "core", "-o", "ConnectTimeout=10", "-o", "StrictHostKeyChecking=ask",
            "-o", "UserKnownHostsFile=/home/u/.fleetctl/known_hosts");

    @TempDir
    Path dir;
    FakeFleet fleet;
    Path argvFile;
    String out;
    String err;

    @BeforeEach
    void boot() throws Exception {
        fleet = new FakeFleet();
        fleet.machines.add(Json.createObjectBuilder().add("id", M1).add("primaryIP", "10.0.0.1").build());
        fleet.machines.add(Json.createObjectBuilder().add("id", M2).add("primaryIP", "10.0.0.2").build());
        argvFile = dir.resolve("argv");
        fakeSsh("printf '%s\\n' \"$@\" > '" + argvFile + "'\nexit 7\n");
    }

    @AfterEach
    void close() {
        fleet.close();
        Fleetctl.sshBinary = "ssh";
    }

    /** Points fleetctl at an ssh that is this shell script. */
    Path fakeSsh(String body) throws Exception {
        Path p = Files.createTempFile(dir, "ssh", ".sh");
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        Fleetctl.sshBinary = p.toString();
        return p;
    }

    int run(String... args) {
        Captured r = Captured.against(fleet, args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    List<String> argv() throws Exception {
        return Files.readAllLines(argvFile);
    }

    static List<String> concat(List<String> a, String... b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }

    // ------------------------------------------------------------------ argv, pure

    @Test
    void sshArgvForFleetsDefaults() {
        assertThat(DEFAULTS.sshArgv("10.0.0.1", 22, false, List.of()))
                .isEqualTo(concat(concat(List.of("ssh"), COMMON.toArray(String[]::new)), "-p", "22", "--", "10.0.0.1"));
        assertThat(DEFAULTS.sshArgv("10.0.0.1", 2222, true, List.of("ls", "-l")))
                .isEqualTo(concat(concat(List.of("ssh"), COMMON.toArray(String[]::new)), "-p", "2222", "-A", "--", "10.0.0.1", "ls", "-l"));
    }

    @Test
    void sshArgvWithoutHostKeyCheckingAndOtherTimeouts() {
        SshOptions o = new SshOptions("/usr/bin/ssh", "root", 2.5, "/k", false, "");
        assertThat(o.sshArgv("h", 22, false, List.of("true"))).containsExactly("/usr/bin/ssh", "-l", "root",
                "-o", "ConnectTimeout=3", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-p", "22", "--", "h", "true");
        assertThat(new SshOptions("ssh", "core", 0, "/k", true, "").common())
                .containsExactly("-l", "core", "-o", "StrictHostKeyChecking=ask", "-o", "UserKnownHostsFile=/k");
    }

    @Test
    void throughATunnelTheTargetIsReachedByProxyCommand() {
        SshOptions o = new SshOptions("ssh", "core", 10, "/home/u/my hosts%", true, "bastion:2200");
        assertThat(o.sshArgv("10.0.0.1", 22, false, List.of("hostname"))).containsExactly("ssh", "-l", "core",
                "-o", "ConnectTimeout=10", "-o", "StrictHostKeyChecking=ask", "-o", "UserKnownHostsFile=/home/u/my hosts%",
                "-p", "22", "-o",
                "ProxyCommand=ssh -l core -o ConnectTimeout=10 -o StrictHostKeyChecking=ask -o 'UserKnownHostsFile=/home/u/my hosts%%'"
                        + " -p 2200 -W %h:%p -- bastion",
                "--", "10.0.0.1", "hostname");
    }

    @Test
    void tunnelArgvForwardsEachEndpoint() {
        SshOptions o = new SshOptions("ssh", "core", 10, "/k", true, "bastion");
        assertThat(o.tunnelArgv(List.of(new SshOptions.Forward(40001, "10.0.0.5", 4001),
                new SshOptions.Forward(40002, "::1", 4001)))).containsExactly("ssh", "-l", "core", "-o", "ConnectTimeout=10",
                "-o", "StrictHostKeyChecking=ask", "-o", "UserKnownHostsFile=/k", "-p", "22", "-N", "-n",
                "-o", "ExitOnForwardFailure=yes", "-L", "127.0.0.1:40001:10.0.0.5:4001", "-L", "127.0.0.1:40002:[::1]:4001",
                "--", "bastion");
        assertThat(Tunnel.local(java.net.URI.create("http://10.0.0.5:4001"), new SshOptions.Forward(40001, "10.0.0.5", 4001)))
                .hasToString("http://127.0.0.1:40001");
    }

    @Test
    void tunnelHostsPortsQuotingAndDashes() {
        assertThat(SshOptions.hostPort("bastion")).isEqualTo(new SshOptions.HostPort("bastion", 22));
        assertThat(SshOptions.hostPort("bastion:2200")).isEqualTo(new SshOptions.HostPort("bastion", 2200));
        assertThat(SshOptions.hostPort("[fe80::1]:2200")).isEqualTo(new SshOptions.HostPort("fe80::1", 2200));
        assertThat(SshOptions.hostPort("fe80::1")).isEqualTo(new SshOptions.HostPort("fe80::1", 22));
        assertThatThrownBy(() -> SshOptions.hostPort("bastion:x")).hasMessage("invalid port in \"bastion:x\"");
        assertThatThrownBy(() -> SshOptions.hostPort(":22")).hasMessageContaining("no host name");
        assertThat(SshOptions.shellQuote("a b'c")).isEqualTo("'a b'\\''c'");
        assertThat(SshOptions.shellQuote("")).isEqualTo("''");
        assertThat(SshOptions.trimToDashes(List.of("a", "--", "b", "--", "c"))).containsExactly("b", "--", "c");
        assertThat(SshOptions.trimToDashes(List.of("a", "b"))).containsExactly("a", "b");
        assertThat(SshOptions.expandHome("~/.fleetctl/known_hosts", "/root")).isEqualTo("/root/.fleetctl/known_hosts");
        assertThat(SshOptions.expandHome("/etc/k", "/root")).isEqualTo("/etc/k");
    }

    // ------------------------------------------------------------------ runs of a fake ssh

    @Test
    void sshToAMachineByIdPrefixRunsSshAndGivesItsExitCode() throws Exception {
        Path known = dir.resolve("kh/known_hosts");
        assertThat(run("--known-hosts-file=" + known, "ssh", "--machine=m1", "ls", "-l", "/")).isEqualTo(7);
        assertThat(argv()).containsExactly("-l", "core", "-o", "ConnectTimeout=10", "-o", "StrictHostKeyChecking=ask",
                "-o", "UserKnownHostsFile=" + known, "-p", "22", "--", "10.0.0.1", "ls", "-l", "/");
        assertThat(known.getParent()).isDirectory(); // made for ssh, which would not
        assertThat(err).isEmpty();

        fakeSsh("printf '%s\\n' \"$@\" > '" + argvFile + "'\nexit 0\n");
        assertThat(run("--ssh-username=root", "--ssh-timeout=3", "--strict-host-key-checking=false",
                "ssh", "--ssh-port=2222", "-A", "m2b", "--", "echo", "hi")).isZero();
        assertThat(argv()).containsExactly("-l", "root", "-o", "ConnectTimeout=3", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-p", "2222", "-A", "--", "10.0.0.2", "echo", "hi");
        for (String a : new String[] {"--A", "--forward-agent", "--A=true"}) {
            assertThat(run("--strict-host-key-checking=false", "ssh", a, "--machine=m2")).as(a).isZero();
            assertThat(argv()).as(a).contains("-A").endsWith("--", "10.0.0.2");
        }
        assertThat(run("--strict-host-key-checking=false", "ssh", "--A=false", "--machine=m2")).isZero();
        assertThat(argv()).doesNotContain("-A");
    }

    @Test
    void sshToTheMachineOfAUnit() throws Exception {
        fleet.put("a.service", AgentVerbsTest.unit("a.service", "launched", M2, null, "false"));
        fleet.put("g.service", AgentVerbsTest.unit("g.service", "launched", null, null, "true"));
        fleet.put("u.service", AgentVerbsTest.unit("u.service", "launched", null, null, "false"));
        assertThat(run("ssh", "--unit=a", "hostname")).isEqualTo(7);
        assertThat(argv()).endsWith("--", "10.0.0.2", "hostname");
        assertThat(run("ssh", "a.service", "hostname")).isEqualTo(7); // the first argument names a unit
        assertThat(argv()).endsWith("--", "10.0.0.2", "hostname");
        assertThat(run("ssh", "--unit=g")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to proceed: global units unsupported\n");
        assertThat(run("ssh", "--unit=nope")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to proceed: unit does not exist\n");
        assertThat(run("ssh", "--unit=u")).isEqualTo(1);
        assertThat(err).isEqualTo("Could not determine address of machine.\n");
    }

    @Test
    void fleetsMessagesWhenTheTargetIsNotOneMachine() throws Exception {
        assertThat(run("ssh")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to proceed: one machine or unit must be provided\n");
        assertThat(run("ssh", "--machine=m1", "--unit=a")).isEqualTo(1);
        assertThat(err).isEqualTo("Both machine and unit flags provided, please specify only one.\n");
        assertThat(run("ssh", "--machine=m")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to proceed: found more than one machine\n");
        assertThat(run("ssh", "--machine=zz")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to proceed: machine does not exist\n");
        assertThat(run("ssh", "zz")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to proceed: could not find matching unit or machine\n");
        fleet.put("m1.service", AgentVerbsTest.unit("m1.service", "launched", M2, null, "false"));
        assertThat(run("ssh", "m1")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to proceed: ambiguous argument, both machine and unit found for `m1`.\n"
                + "Please use flag `--machine` or `--unit` to refine the search\n");
        fleet.machines.add(Json.createObjectBuilder().add("id", "m3cccccccccccccc").build());
        assertThat(run("ssh", "--machine=m3")).isEqualTo(1);
        assertThat(err).isEqualTo("Could not determine address of machine.\n");
        assertThat(Files.exists(argvFile)).isFalse(); // ssh never ran
    }

    @Test
    void anSshThatCannotRunIsFleetsBuildError() {
        Fleetctl.sshBinary = dir.resolve("no-such-ssh").toString();
        assertThat(run("ssh", "m1")).isEqualTo(1);
        assertThat(err).startsWith("Failed building SSH client: cannot run " + dir.resolve("no-such-ssh") + ": ");
    }

    // ------------------------------------------------------------------ --tunnel

    /** A fake ssh in Python that really forwards its -L ports (to the host:port named, from here) and records its argv. */
    Path forwardingSsh() throws Exception {
        assumeTrue(new ProcessBuilder("python3", "-c", "pass").start().waitFor() == 0, "python3 for the forwarding fake ssh");
        Path py = dir.resolve("fwd.py");
        Files.writeString(py, String.join("\n",
                "import socket, sys, threading, os",
                "open(sys.argv[1], 'w').write('\\n'.join(sys.argv[2:]) + '\\n')",
                "args = sys.argv[2:]",
                "def pipe(a, b):",
                "    try:",
                "        while True:",
                "            d = a.recv(65536)",
                "            if not d: break",
                "            b.sendall(d)",
                "    except OSError: pass",
                "    for s in (a, b):",
                "        try: s.shutdown(socket.SHUT_RDWR)",
                "        except OSError: pass",
                "def serve(l, host, port):",
                "    while True:",
                "        c, _ = l.accept()",
                "        u = socket.create_connection((host, port))",
                "        threading.Thread(target=pipe, args=(c, u), daemon=True).start()",
                "        threading.Thread(target=pipe, args=(u, c), daemon=True).start()",
                "ls = []",
                "for i, a in enumerate(args):",
                "    if a == '-L':",
                "        bind, lport, host, port = args[i + 1].split(':')",
                "        l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "        l.bind((bind, int(lport))); l.listen(16); ls.append((l, host, int(port)))",
                "for l, h, p in ls:",
                "    threading.Thread(target=serve, args=(l, h, p), daemon=True).start()",
                "threading.Event().wait()",
                ""));
        // exec: the python process is the ssh child itself, so that ending it is what is tested
        return fakeSsh("exec python3 '" + py + "' '" + argvFile + "' \"$@\"\n");
    }

    @Test
    void tunnelCarriesEveryApiRequestAndEndsWithTheRun() throws Exception {
        forwardingSsh();
        assertThat(run("--tunnel=bastion:2200", "--strict-host-key-checking=false", "list-machines", "--no-legend")).isZero();
        assertThat(out).isEqualTo("m1aaaaaa...\t10.0.0.1\t-\nm2bbbbbb...\t10.0.0.2\t-\n");
        List<String> argv = argv();
        String fakePort = fleet.url().substring(fleet.url().lastIndexOf(':') + 1);
        assertThat(argv).startsWith("-l", "core").contains("-p", "2200", "-N", "-n", "ExitOnForwardFailure=yes")
                .endsWith("--", "bastion");
        String forward = argv.get(argv.indexOf("-L") + 1);
        assertThat(forward).matches("127\\.0\\.0\\.1:\\d+:127\\.0\\.0\\.1:" + fakePort);
        assertThat(ProcessHandle.current().children().filter(p -> p.info().command().orElse("").contains("python")).count())
                .as("no ssh child left once the run is over").isZero();
    }

    @Test
    void aTunnelThatFailsOrHangsIsFleetsClientError() throws Exception {
        fakeSsh("echo 'ssh: connect to host bad port 22: Connection refused' >&2\nexit 255\n");
        assertThat(run("--tunnel=bad", "list-machines")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to initialize client: failed initializing SSH client: ssh to bad exited with status 255\n");
        fakeSsh("exec sleep 30\n");
        long t0 = System.nanoTime();
        assertThat(run("--tunnel=slow", "--ssh-timeout=0.5", "list-units")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to initialize client: failed initializing SSH client: timed out after 0.5 s"
                + " waiting for the tunnel through slow\n");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        assertThat(ProcessHandle.current().children().filter(p -> p.info().command().orElse("").contains("sleep")).count()).isZero();
        assertThat(run("--tunnel=bad:port", "list-units")).isEqualTo(1);
        assertThat(err).isEqualTo("Unable to initialize client: --tunnel: invalid port in \"bad:port\"\n");
    }
}
