package dev.fleet.it.api;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import java.io.File;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The real WAR as Arquillian deploys it, and plain HTTP requests to it: shared by the ArqITs of this package. */
final class WarClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String root;

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonObject json() {
            return Json.createReader(new StringReader(body)).readObject();
        }
    }

    WarClient(URL base) {
        this.root = base.toString().replaceAll("/$", "");
    }

    /** fleet-web.war as built: the deployment of every ArqIT here. */
    static WebArchive fleetWar() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File("../fleet-web/target/fleet-web.war"));
    }

    HttpClient http() {
        return http;
    }

    String root() {
        return root;
    }

    /** {@code headers}: name, value, name, value... */
    Reply send(String method, String path, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(30));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }
}
