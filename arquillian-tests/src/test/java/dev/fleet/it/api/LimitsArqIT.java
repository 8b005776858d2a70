package dev.fleet.it.api;

import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.Ports;
import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitOption;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every request limit (README, Limits) against the real WAR in Payara Micro, at its default: at the limit accepted,
 * one past refused with its status and the route's error JSON, nothing applied. The body limit is shown over raw
 * sockets: a Content-Length over it is answered before a byte of body is sent, and a 50 MiB chunked body is cut long
 * before it is sent whole. The unit and machine counts (defaults 100,000 and 10,000) are shown on a
 * {@code bin/fleet-node} started with {@code --limit-units=2 --limit-machines=1}, which also shows a bad limit
 * exiting 2.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class LimitsArqIT {
    static final int MIB = 1024 * 1024;
    static final int BODY = 4 * MIB;

    @Deployment(testable = false)
    static WebArchive war() {
        return WarClient.fleetWar();
    }

    @ArquillianResource
    URL base;

    private WarClient client;

    private WarClient client() throws Exception {
        if (client == null) {
            client = new WarClient(base);
            await().atMost(Duration.ofMinutes(1)).until(() -> client.send("GET", "/health", null, null).status() == 200);
        }
        return client;
    }

    private WarClient.Reply send(String method, String path, String contentType, String body) throws Exception {
        return client().send(method, path, contentType, body);
    }

    static final String tag = UUID.randomUUID().toString().substring(0, 8);

    static void fleetError(int status, String body, int expected, String message) {
        assertThat(status).as(body).isEqualTo(expected);
        JsonObject e = json(body).getJsonObject("error");
        assertThat(e.getInt("code")).isEqualTo(expected);
        assertThat(e.getString("message")).isEqualTo(message);
    }

    static void etcdError(int status, String body, int expected, String cause) {
        assertThat(status).as(body).isEqualTo(expected);
        JsonObject e = json(body);
        assertThat(e.getInt("errorCode")).isEqualTo(209);
        assertThat(e.getString("cause")).isEqualTo(cause);
        assertThat(e.containsKey("index")).isTrue();
    }

    static JsonObject json(String s) {
        return Json.createReader(new StringReader(s)).readObject();
    }

    // ------------------------------------------------------------------ body (streamed)

    @Test
    void aDeclaredLengthOverTheBodyLimitIsAnsweredBeforeAnyBodyIsSent() throws Exception {
        client();
        Raw etcd = raw("PUT", "/v2/keys/limits/" + tag + "/declared", "application/x-www-form-urlencoded", BODY + 1L, InputStream.nullInputStream());
        etcdError(etcd.status, etcd.body, 413, "request body is " + (BODY + 1) + " bytes; the limit is " + BODY + " bytes (limit_body_bytes)");
        assertThat(etcd.headers).containsKey("x-etcd-index").containsEntry("connection", "close");
        Raw fleet = raw("PUT", "/fleet/v1/units/declared-" + tag + ".service", "application/json", 50L * MIB, InputStream.nullInputStream());
        fleetError(fleet.status, fleet.body, 413, "request body is " + 50 * MIB + " bytes; the limit is " + BODY + " bytes (limit_body_bytes)");
        assertThat(fleet.sent).isZero();
        assertThat(send("GET", "/fleet/v1/units/declared-" + tag + ".service", null, null).status()).isEqualTo(404);
        assertThat(send("GET", "/v2/keys/limits/" + tag + "/declared", null, null).status()).isEqualTo(404);
    }

    @Test
    void aChunkedBodyOf50MibIsCutWithoutBeingReadWhole() throws Exception {
        client();
        for (String path : List.of("/v2/keys/limits/" + tag + "/chunked", "/fleet/v1/units/chunked-" + tag + ".service",
                "/v1-alpha/units/chunked-" + tag + ".service")) {
            boolean etcd = path.startsWith("/v2");
            Raw r = raw("PUT", path, etcd ? "application/x-www-form-urlencoded" : "application/json", -1, new Filler(50L * MIB));
            String message = "request body is larger than " + BODY + " bytes; the limit is " + BODY + " bytes (limit_body_bytes)";
            if (etcd) {
                etcdError(r.status, r.body, 413, message);
            } else {
                fleetError(r.status, r.body, 413, message);
            }
            System.out.printf("LimitsArqIT: %s: 413 after %,d of 50 MiB sent%n", path, r.sent);
            assertThat(r.sent).as("sent before the answer came").isLessThan(16L * MIB);
            assertThat(send("GET", path.replace("/v1-alpha/", "/fleet/v1/"), null, null).status()).isEqualTo(404);
        }
    }

    @Test
    void aChunkedBodyOfExactlyTheLimitIsServed() throws Exception {
        client();
        String unit = "/fleet/v1/units/padded-" + tag + ".service";
        String json = "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]";
        byte[] body = (json + " ".repeat(BODY - json.length() - 1) + "}").getBytes(StandardCharsets.US_ASCII);
        assertThat(body).hasSize(BODY);
        Raw r = raw("PUT", unit, "application/json", -1, new java.io.ByteArrayInputStream(body));
        assertThat(r.status).as(r.body).isEqualTo(201);
        assertThat(send("GET", unit, null, null).status()).isEqualTo(200);
        assertThat(send("DELETE", unit, null, null).status()).isEqualTo(204);
    }

    // ------------------------------------------------------------------ /v2/keys: key length and depth, value size

    @Test
    void keyLengthAndDepth() throws Exception {
        String prefix = "/limits/" + tag + "/";
        String at = prefix + "k".repeat(4096 - prefix.length());
        assertThat(send("PUT", "/v2/keys" + at, "application/x-www-form-urlencoded", "value=v").status()).isEqualTo(201);
        WarClient.Reply past = send("PUT", "/v2/keys" + at + "k", "application/x-www-form-urlencoded", "value=v");
        etcdError(past.status(), past.body(), 400, "key is longer than 4096 characters: \"" + (at + "k").substring(0, 80)
                + "...(4097 chars)\"");
        String deep = "/limits/" + tag + "/d" + "/s".repeat(61); // 64 segments
        assertThat(send("PUT", "/v2/keys" + deep, "application/x-www-form-urlencoded", "value=v").status()).isEqualTo(201);
        WarClient.Reply tooDeep = send("PUT", "/v2/keys" + deep + "/s", "application/x-www-form-urlencoded", "value=v");
        etcdError(tooDeep.status(), tooDeep.body(), 400, "key has 65 segments; the limit is 64 (limit_key_depth)");
        assertThat(send("GET", "/v2/keys" + deep + "/s", null, null).status()).isEqualTo(400);
        assertThat(send("GET", "/v2/keys" + deep, null, null).status()).as("not turned into a directory").isEqualTo(200);
    }

    @Test
    void valueBytes() throws Exception {
        String key = "/v2/keys/limits/" + tag + "/value";
        WarClient.Reply at = send("PUT", key, "application/x-www-form-urlencoded", "value=" + "v".repeat(MIB));
        assertThat(at.status()).isEqualTo(201);
        long index = json(at.body()).getJsonObject("node").getJsonNumber("modifiedIndex").longValue();
        WarClient.Reply past = send("PUT", key, "application/x-www-form-urlencoded", "value=" + "w".repeat(MIB + 1));
        etcdError(past.status(), past.body(), 413, "value is larger than the limit of " + MIB + " bytes (limit_value_bytes)");
        JsonObject node = json(send("GET", key, null, null).body()).getJsonObject("node");
        assertThat(node.getJsonNumber("modifiedIndex").longValue()).as("unchanged").isEqualTo(index);
    }

    // ------------------------------------------------------------------ API v1: unit files, PATCH, metadata

    static String options(List<UnitOption> options) {
        return options.stream().map(o -> "{\"section\":\"" + o.section() + "\",\"name\":\"" + o.name() + "\",\"value\":\""
                + o.value() + "\"}").collect(Collectors.joining(",", "{\"options\":[", "]}"));
    }

    @Test
    void unitOptionsAndUnitFileSize() throws Exception {
        List<UnitOption> many = IntStream.range(0, 2000).mapToObj(i -> new UnitOption("Service", "Environment", "X" + i + "=1"))
                .collect(Collectors.toCollection(ArrayList::new));
        String u = "/fleet/v1/units/options-" + tag + ".service";
        assertThat(send("PUT", u, "application/json", options(many)).status()).isEqualTo(201);
        many.add(new UnitOption("Service", "Environment", "X=1"));
        String u2 = "/fleet/v1/units/options2-" + tag + ".service";
        WarClient.Reply past = send("PUT", u2, "application/json", options(many));
        fleetError(past.status(), past.body(), 400, "unit has 2001 options; the limit is 2000 (limit_unit_options)");
        assertThat(send("GET", u2, null, null).status()).isEqualTo(404);

        // 256 KiB of canonical text in lines of ~2 KB (systemd's line limit)
        List<UnitOption> big = new ArrayList<>();
        while (UnitFile.of(big).canonical().length() < 256 * 1024 - 2100) {
            big.add(new UnitOption("Service", "Environment", "A" + big.size() + "=" + "a".repeat(2000)));
        }
        int rest = 256 * 1024 - UnitFile.of(big).canonical().length() - "\nEnvironment=B=".length();
        big.add(new UnitOption("Service", "Environment", "B=" + "b".repeat(rest)));
        assertThat(UnitFile.of(big).canonical().getBytes(StandardCharsets.UTF_8)).hasSize(256 * 1024);
        String f = "/fleet/v1/units/file-" + tag + ".service";
        assertThat(send("PUT", f, "application/json", options(big)).status()).isEqualTo(201);
        big.set(big.size() - 1, new UnitOption("Service", "Environment", "B=" + "b".repeat(rest + 1)));
        String f2 = "/fleet/v1/units/file2-" + tag + ".service";
        WarClient.Reply tooBig = send("PUT", f2, "application/json", options(big));
        fleetError(tooBig.status(), tooBig.body(), 413, "unit file is " + (256 * 1024 + 1) + " bytes; the limit is "
                + 256 * 1024 + " (limit_unit_file_bytes)");
        assertThat(send("GET", f2, null, null).status()).isEqualTo(404);
        for (String created : List.of(u, f)) {
            assertThat(send("DELETE", created, null, null).status()).isEqualTo(204);
        }
    }

    static String addOps(String machine, int n) {
        return IntStream.range(0, n).mapToObj(i -> "{\"op\":\"add\",\"path\":\"/" + machine + "/metadata/k" + i
                + "\",\"value\":\"v\"}").collect(Collectors.joining(",", "[", "]"));
    }

    @Test
    void patchOpsAndMetadataEntries() throws Exception {
        String m = "lim-" + tag;
        // 1,000 operations on 250 keys: accepted
        String ops = IntStream.range(0, 1000).mapToObj(i -> "{\"op\":\"add\",\"path\":\"/" + m + "/metadata/k" + (i % 250)
                + "\",\"value\":\"v" + i + "\"}").collect(Collectors.joining(",", "[", "]"));
        assertThat(send("PATCH", "/fleet/v1/machines", "application/json", ops).status()).isEqualTo(204);
        WarClient.Reply past = send("PATCH", "/fleet/v1/machines", "application/json", addOps(m + "x", 1001));
        fleetError(past.status(), past.body(), 400, "PATCH has 1001 operations; the limit is 1000 (limit_patch_ops)");

        // a registered machine with 250 static entries: 6 dynamic ones more fit, a 7th does not
        String statik = IntStream.range(0, 250).mapToObj(i -> "\"s" + i + "\":\"v\"").collect(Collectors.joining(",", "{", "}"));
        WarClient.Reply reg = send("PUT", "/fleet/agent/v1/machines/" + m + "-r", "application/json",
                "{\"session\":\"s1\",\"ttl\":600,\"metadata\":" + statik + "}");
        assertThat(reg.status()).as(reg.body()).isEqualTo(201);
        assertThat(send("PATCH", "/fleet/v1/machines", "application/json", addOps(m + "-r", 6)).status()).isEqualTo(204);
        WarClient.Reply full = send("PATCH", "/fleet/v1/machines", "application/json",
                "[{\"op\":\"add\",\"path\":\"/" + m + "-r/metadata/extra\",\"value\":\"v\"}]");
        fleetError(full.status(), full.body(), 400, "machine " + m + "-r would have 257 metadata entries; the limit is 256 (limit_metadata_entries)");

        String tooMany = IntStream.range(0, 257).mapToObj(i -> "\"s" + i + "\":\"v\"").collect(Collectors.joining(",", "{", "}"));
        WarClient.Reply reg2 = send("PUT", "/fleet/agent/v1/machines/" + m + "-q", "application/json",
                "{\"session\":\"s2\",\"ttl\":600,\"metadata\":" + tooMany + "}");
        fleetError(reg2.status(), reg2.body(), 400, "registration has 257 metadata entries; the limit is 256 (limit_metadata_entries)");
        WarClient.Reply longKey = send("PATCH", "/fleet/v1/machines", "application/json",
                "[{\"op\":\"add\",\"path\":\"/" + m + "/metadata/" + "k".repeat(256) + "\",\"value\":\"v\"}]");
        fleetError(longKey.status(), longKey.body(), 400, "metadata key is 256 characters; the limit is 255 (limit_metadata_key_length)");
        JsonObject machines = json(send("GET", "/fleet/v1/machines", null, null).body());
        String listed = machines.toString();
        assertThat(listed).contains(m + "-r").doesNotContain(m + "-q").doesNotContain("\"extra\"");
        // clean up: the registration goes, so other ITs in this container see no extra machine
        assertThat(send("DELETE", "/fleet/agent/v1/machines/" + m + "-r?session=s1", null, null).status()).isEqualTo(204);
    }

    // ------------------------------------------------------------------ units and machines: a node with small limits

    @Test
    void unitAndMachineCountsOnANodeWithSmallLimits() throws Exception {
        Path work = Path.of(System.getProperty("fleet.test.work", "target/it-work")).resolve("limits-" + System.currentTimeMillis());
        Files.createDirectories(work);
        Path root = FleetCluster.repositoryRoot();
        // a bad limit: exit 2 with one line naming the key, before Payara starts
        Process bad = new ProcessBuilder(root.resolve("bin/fleet-node").toString(), "--data-dir=" + work.resolve("bad"),
                "--limit-units=0").redirectErrorStream(true).start();
        String out = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bad.waitFor()).as(out).isEqualTo(2);
        assertThat(out.strip()).isEqualTo("fleet-node: limit_units 0 is outside 1..10000000");

        FleetNodeProcess node = new FleetNodeProcess(root, "limits", Ports.free(), Ports.free(100), work.resolve("node"),
                List.of("--limit-units=2", "--limit-machines=1"));
        try {
            node.start();
            node.awaitReady(FleetCluster.BOOT_TIMEOUT);
            WarClient c = new WarClient(node.url().toURL());
            String opts = "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]}";
            assertThat(c.send("PUT", "/fleet/v1/units/a.service", "application/json", opts).status()).isEqualTo(201);
            assertThat(c.send("PUT", "/fleet/v1/units/b.service", "application/json", opts).status()).isEqualTo(201);
            WarClient.Reply third = c.send("PUT", "/fleet/v1/units/c.service", "application/json", opts);
            fleetError(third.status(), third.body(), 400, "too many units: the cluster has its limit of 2 (limit_units); destroy one first");
            assertThat(c.send("GET", "/fleet/v1/units/c.service", null, null).status()).isEqualTo(404);
            assertThat(c.send("PUT", "/fleet/v1/units/a.service", "application/json", "{\"desiredState\":\"loaded\"}").status())
                    .as("an existing unit stays writable").isEqualTo(204);

            assertThat(c.send("PUT", "/fleet/agent/v1/machines/m1", "application/json", "{\"session\":\"s1\"}").status()).isEqualTo(201);
            WarClient.Reply m2 = c.send("PUT", "/fleet/agent/v1/machines/m2", "application/json", "{\"session\":\"s2\"}");
            fleetError(m2.status(), m2.body(), 400, "too many machines: the cluster has its limit of 1 (limit_machines) registered");
            assertThat(c.send("PUT", "/fleet/agent/v1/machines/m1", "application/json", "{\"session\":\"s1\"}").status())
                    .as("a heartbeat of a registered machine").isEqualTo(200);
            assertThat(json(c.send("GET", "/fleet/v1/machines", null, null).body()).getJsonArray("machines")).hasSize(1);
        } finally {
            node.stop();
        }
    }

    // ------------------------------------------------------------------ raw HTTP

    record Raw(int status, Map<String, String> headers, String body, long sent) { }

    /** {@code length} -1: chunked. What the writer sent until the response was read is {@code sent}. */
    Raw raw(String method, String path, String contentType, long length, InputStream body) throws Exception {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            StringBuilder head = new StringBuilder(method + " " + base.getPath().replaceAll("/$", "") + path + " HTTP/1.1\r\n"
                    + "Host: " + base.getHost() + ":" + base.getPort() + "\r\nContent-Type: " + contentType + "\r\n");
            head.append(length < 0 ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + length + "\r\n").append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicLong sent = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try {
                    int n;
                    while (!stop.get() && (n = body.read(buf)) > 0) {
                        if (length < 0) {
                            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write(buf, 0, n);
                        if (length < 0) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        sent.addAndGet(n);
                    }
                    if (length < 0 && !stop.get()) {
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                } catch (IOException e) {
                    // the server closed the connection: expected once it refused the body
                }
            }, "limits-body-writer");
            writer.setDaemon(true);
            writer.start();
            InputStream in = s.getInputStream();
            String status = line(in);
            long sentAtAnswer = sent.get();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            byte[] content = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            stop.set(true);
            s.close();
            writer.join(10_000);
            return new Raw(Integer.parseInt(status.split(" ")[1]), headers, new String(content, StandardCharsets.UTF_8), sentAtAnswer);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** {@code size} bytes of 'x', made as they are read (nothing held). */
    static final class Filler extends InputStream {
        private long left;

        Filler(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            return left-- > 0 ? 'x' : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 'x');
            left -= n;
            return n;
        }
    }
}
