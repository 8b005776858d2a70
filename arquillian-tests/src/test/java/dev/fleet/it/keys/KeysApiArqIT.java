package dev.fleet.it.keys;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real fleet-web WAR (with the EJB jar inside) deployed into Payara Micro, driven over HTTP the way an
 * etcd v2 user's curl recipes drive it. One Micro boot for the whole class: each test uses its own keys.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class KeysApiArqIT {

    @Deployment(testable = false)
    static WebArchive war() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File("../fleet-web/target/fleet-web.war"));
    }

    @ArquillianResource
    URL base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonObject json() {
            return Json.createReader(new StringReader(body)).readObject();
        }

        JsonObject node() {
            return json().getJsonObject("node");
        }

        long etcdIndex() {
            return Long.parseLong(raw.headers().firstValue("X-Etcd-Index").orElseThrow());
        }
    }

    private Reply send(String method, String pathAndQuery, String form) throws Exception {
        URI u = URI.create(base.toString().replaceAll("/$", "") + pathAndQuery);
        HttpRequest.Builder b = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(30));
        if (form != null) {
            b.header("Content-Type", "application/x-www-form-urlencoded")
                    .method(method, HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    private static boolean cleaned;

    /** Waits for readiness; the first test also clears what an earlier run left in the node's data dir. */
    private void awaitReady() throws Exception {
        await().atMost(Duration.ofMinutes(1)).until(() -> send("GET", "/health", null).status() == 200);
        if (!cleaned) {
            assertThat(send("DELETE", "/v2/keys/arq?recursive=true", null).status()).isIn(200, 404);
            cleaned = true;
        }
    }

    @Test
    void setGetAndTheEtcdIndexHeader() throws Exception {
        awaitReady();
        Reply created = send("PUT", "/v2/keys/arq/message", "value=Hello+world");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().getString("action")).isEqualTo("set");
        assertThat(created.node().getString("key")).isEqualTo("/arq/message");
        assertThat(created.node().getString("value")).isEqualTo("Hello world");
        long index = created.node().getJsonNumber("modifiedIndex").longValue();
        assertThat(created.etcdIndex()).isEqualTo(index);

        Reply replaced = send("PUT", "/v2/keys/arq/message", "value=Bye");
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.json().getJsonObject("prevNode").getString("value")).isEqualTo("Hello world");

        Reply got = send("GET", "/v2/keys/arq/message", null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().getString("action")).isEqualTo("get");
        assertThat(got.node().getString("value")).isEqualTo("Bye");

        Reply root = send("GET", "/v2/keys/", null);
        assertThat(root.node().getBoolean("dir")).isTrue();
        assertThat(root.node().containsKey("key")).isFalse();
        // the node's own membership record is hidden from listings
        assertThat(root.body()).doesNotContain("_fleet");
    }

    @Test
    void compareAndSwapAndCompareAndDelete() throws Exception {
        awaitReady();
        assertThat(send("PUT", "/v2/keys/arq/cas?prevExist=false", "value=one").status()).isEqualTo(201);
        Reply exists = send("PUT", "/v2/keys/arq/cas?prevExist=false", "value=two");
        assertThat(exists.status()).isEqualTo(412);
        assertThat(exists.json().getInt("errorCode")).isEqualTo(105);
        assertThat(exists.json().getString("message")).isEqualTo("Key already exists");
        assertThat(exists.json().getString("cause")).isEqualTo("/arq/cas");

        Reply failed = send("PUT", "/v2/keys/arq/cas?prevValue=nope", "value=two");
        assertThat(failed.status()).isEqualTo(412);
        assertThat(failed.json().getInt("errorCode")).isEqualTo(101);
        assertThat(failed.json().getString("cause")).isEqualTo("[nope != one]");

        Reply swapped = send("PUT", "/v2/keys/arq/cas?prevValue=one", "value=two");
        assertThat(swapped.status()).isEqualTo(200);
        assertThat(swapped.json().getString("action")).isEqualTo("compareAndSwap");
        long idx = swapped.node().getJsonNumber("modifiedIndex").longValue();

        Reply badDelete = send("DELETE", "/v2/keys/arq/cas?prevIndex=" + (idx - 1), null);
        assertThat(badDelete.status()).isEqualTo(412);
        assertThat(badDelete.json().getInt("errorCode")).isEqualTo(101);
        Reply deleted = send("DELETE", "/v2/keys/arq/cas?prevIndex=" + idx, null);
        assertThat(deleted.json().getString("action")).isEqualTo("compareAndDelete");
        assertThat(send("GET", "/v2/keys/arq/cas", null).json().getInt("errorCode")).isEqualTo(100);
        assertThat(send("GET", "/v2/keys/arq/cas", null).status()).isEqualTo(404);
    }

    @Test
    void directoriesInOrderKeysAndRecursiveListing() throws Exception {
        awaitReady();
        assertThat(send("PUT", "/v2/keys/arq/dir?dir=true", "").status()).isEqualTo(201);
        Reply first = send("POST", "/v2/keys/arq/dir", "value=job1");
        Reply second = send("POST", "/v2/keys/arq/dir", "value=job2");
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.json().getString("action")).isEqualTo("create");
        assertThat(first.node().getString("key").compareTo(second.node().getString("key"))).isNegative();
        send("PUT", "/v2/keys/arq/dir/sub/leaf", "value=x");

        Reply listing = send("GET", "/v2/keys/arq/dir?recursive=true&sorted=true", null);
        var nodes = listing.node().getJsonArray("nodes");
        assertThat(nodes).hasSize(3);
        assertThat(nodes.getJsonObject(0).getString("value")).isEqualTo("job1");
        assertThat(nodes.getJsonObject(2).getJsonArray("nodes").getJsonObject(0).getString("key")).isEqualTo("/arq/dir/sub/leaf");

        Reply notFile = send("DELETE", "/v2/keys/arq/dir", null);
        assertThat(notFile.status()).isEqualTo(403);
        assertThat(notFile.json().getInt("errorCode")).isEqualTo(102);
        Reply notEmpty = send("DELETE", "/v2/keys/arq/dir?dir=true", null);
        assertThat(notEmpty.json().getInt("errorCode")).isEqualTo(108);
        assertThat(send("DELETE", "/v2/keys/arq/dir?recursive=true", null).status()).isEqualTo(200);
        assertThat(send("GET", "/v2/keys/arq/dir/sub/leaf", null).status()).isEqualTo(404);
    }

    @Test
    void ttlExpiresThroughTheLeadersClock() throws Exception {
        awaitReady();
        Reply r = send("PUT", "/v2/keys/arq/ttl", "value=soon&ttl=1");
        assertThat(r.node().getInt("ttl")).isBetween(1, 1);
        assertThat(r.node().getString("expiration")).endsWith("Z");
        await().atMost(Duration.ofSeconds(20)).until(() -> send("GET", "/v2/keys/arq/ttl", null).status() == 404);
    }

    @Test
    void longPollWatchWakesOnTheNextChangeAndHistoryServesPastIndexes() throws Exception {
        awaitReady();
        long before = send("PUT", "/v2/keys/arq/w/a", "value=1").etcdIndex();
        CompletableFuture<HttpResponse<String>> watch = http.sendAsync(HttpRequest.newBuilder(
                URI.create(base.toString().replaceAll("/$", "") + "/v2/keys/arq/w?wait=true&recursive=true&waitIndex=" + (before + 1))).build(),
                HttpResponse.BodyHandlers.ofString());
        send("GET", "/v2/keys/arq/w", null); // a round trip: the watch is now pending, nothing has changed yet
        assertThat(watch).isNotDone();
        send("PUT", "/v2/keys/arq/w/b", "value=2");
        HttpResponse<String> woke = watch.get(30, java.util.concurrent.TimeUnit.SECONDS);
        JsonObject ev = Json.createReader(new StringReader(woke.body())).readObject();
        // waitIndex=before+1: whether the watch was registered before or after the PUT, it reports that change
        assertThat(ev.getJsonObject("node").getString("key")).isEqualTo("/arq/w/b");

        Reply past = send("GET", "/v2/keys/arq/w?wait=true&recursive=true&waitIndex=" + before, null);
        assertThat(past.node().getString("key")).isEqualTo("/arq/w/a");
        assertThat(past.node().getJsonNumber("modifiedIndex").longValue()).isEqualTo(before);
    }

    @Test
    void eventIndexClearedAfterTheHistoryWindow() throws Exception {
        awaitReady();
        long first = send("PUT", "/v2/keys/arq/hist", "value=0").etcdIndex();
        for (int i = 1; i <= 1005; i++) {
            send("PUT", "/v2/keys/arq/hist", "value=" + i);
        }
        Reply cleared = send("GET", "/v2/keys/arq/hist?wait=true&waitIndex=" + first, null);
        assertThat(cleared.status()).isEqualTo(400);
        assertThat(cleared.json().getInt("errorCode")).isEqualTo(401);
        assertThat(cleared.json().getString("cause")).startsWith("the requested history has been cleared");
    }

    @Test
    void quorumReadGoesThroughTheLog() throws Exception {
        awaitReady();
        send("PUT", "/v2/keys/arq/q", "value=linearizable");
        Reply q = send("GET", "/v2/keys/arq/q?quorum=true", null);
        assertThat(q.status()).isEqualTo(200);
        assertThat(q.node().getString("value")).isEqualTo("linearizable");
    }

    @Test
    void badInputGetsEtcdErrorsAndChangesNothing() throws Exception {
        awaitReady();
        long index = send("GET", "/v2/keys/", null).etcdIndex();
        assertError(send("PUT", "/v2/keys/arq/bad?ttl=soon", "value=x"), 400, 202);
        assertError(send("PUT", "/v2/keys/arq/bad?prevIndex=abc", "value=x"), 400, 203);
        assertError(send("GET", "/v2/keys/arq/bad?wait=true&waitIndex=-1", null), 400, 203);
        assertError(send("PUT", "/v2/keys/arq/bad?colour=blue", "value=x"), 400, 209);
        assertError(send("GET", "/v2/keys/arq/bad?recursive=maybe", null), 400, 209);
        assertError(send("PUT", "/v2/keys/arq/bad?prevValue=", "value=x"), 400, 201);
        assertError(send("PUT", "/v2/keys/arq/%2e%2e/escape", "value=x"), 400, 209);
        assertError(send("PUT", "/v2/keys/arq/ctl%01char", "value=x"), 400, 209);
        assertError(send("PUT", "/v2/keys/arq/%ff%fe", "value=x"), 400, 209);
        assertError(send("PUT", "/v2/keys/arq/bad", "value=%ff"), 400, 210);
        assertError(send("PUT", "/v2/keys/", "value=x"), 400, 107);
        assertError(send("PUT", "/v2/keys/arq/big", "value=" + "x".repeat(1024 * 1024 + 1)), 413, 209);
        assertThat(send("GET", "/v2/keys/", null).etcdIndex()).isEqualTo(index);
        assertThat(send("GET", "/v2/keys/arq/bad", null).status()).isEqualTo(404);
        assertThat(send("GET", "/v2/keys/arq/big", null).status()).isEqualTo(404);
    }

    private static void assertError(Reply r, int status, int errorCode) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonObject j = r.json();
        assertThat(j.getInt("errorCode")).as(r.body()).isEqualTo(errorCode);
        assertThat(j.getString("message")).isNotBlank();
        assertThat(j.containsKey("index")).isTrue();
    }

    @Test
    void membersStatsAndHealth() throws Exception {
        awaitReady();
        Reply members = send("GET", "/v2/members", null);
        assertThat(members.status()).isEqualTo(200);
        var list = members.json().getJsonArray("members");
        assertThat(list).hasSize(1);
        assertThat(list.getJsonObject(0).getString("name")).isEqualTo("arq");
        assertThat(list.getJsonObject(0).getJsonArray("peerURLs").getString(0)).isEqualTo("tcp://127.0.0.1:27800");

        Reply self = send("GET", "/v2/stats/self", null);
        assertThat(self.json().getString("name")).isEqualTo("arq");
        assertThat(self.json().getString("state")).isEqualTo("StateLeader");
        assertThat(self.json().getJsonObject("leaderInfo").getString("leader")).isEqualTo(self.json().getString("id"));
        assertThat(self.json().getJsonNumber("appliedIndex").longValue()).isPositive();

        assertThat(send("GET", "/health", null).json().getString("health")).isEqualTo("true");
        // send() posts a form: membership changes take JSON only, as in etcd (415)
        assertThat(send("POST", "/v2/members", "{\"peerURLs\":[\"tcp://127.0.0.1:1\"]}").status()).isEqualTo(415);
        assertThat(send("DELETE", "/v2/members/0123456789abcdef", null).status()).isEqualTo(404);
    }
}
