package io.upkeep.testkit.http.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.Platform;
import io.upkeep.TaskCap;
import io.upkeep.testkit.FakeCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The fake's Nomad Variables over real HTTP, as Nomad documents them. Each test names its source:
 * VARS = https://developer.hashicorp.com/nomad/api-docs/variables/variables, LOCKS =
 * https://developer.hashicorp.com/nomad/api-docs/variables/locks; where the pages are silent,
 * Nomad's code ({@code command/agent/variable_endpoint.go}, {@code nomad/variables_endpoint.go},
 * {@code nomad/lock/delay.go}).
 */
class FakeNomadVariablesTest {

  static final String TOKEN = "root-7d1c";
  static final ObjectMapper JSON = new ObjectMapper();

  FakeCluster cluster;
  FakeNomadServer server;
  final HttpClient http = HttpClient.newHttpClient();

  record Answer(int status, String body, String index) {
    JsonNode json() throws Exception {
      return JSON.readTree(body);
    }
  }

  @BeforeEach
  void start() {
    cluster =
        FakeCluster.builder()
            .nodes(
                "server",
                1,
                n ->
                    n.role("server")
                        .voter(true)
                        .runsWork(false)
                        .taskCap(TaskCap.UNLIMITED)
                        .platform(Platform.of("Ubuntu 22.04", "", "1.7.7")))
            .build();
    server =
        FakeNomadServer.builder(cluster)
            .acl(TOKEN)
            .token("app", "app-secret", "variables:read:app/*", "variables:write:app/*")
            .token("lister", "lister-secret", "variables:list:app/*")
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  Answer send(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
    if (token != null) {
      b.header("X-Nomad-Token", token);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body(), r.headers().firstValue("X-Nomad-Index").orElse(""));
  }

  Answer put(String path, String body) throws Exception {
    return send("PUT", path, body, TOKEN);
  }

  static String items(String k, String v) {
    return "{\"Items\":{\"" + k + "\":\"" + v + "\"}}";
  }

  @Nested
  class ReadsAndWrites {

    /** VARS, Create Variable and Read Variable: the sample responses' fields and casing. */
    @Test
    void aWrittenVariableReadsBackWithNomadsFieldsAndIndexes() throws Exception {
      Answer w = put("/v1/var/app/db", items("user", "me"));
      assertThat(w.status()).isEqualTo(200);
      JsonNode v = w.json();
      assertThat(v.fieldNames())
          .toIterable()
          .contains(
              "Namespace",
              "Path",
              "CreateIndex",
              "ModifyIndex",
              "CreateTime",
              "ModifyTime",
              "Items");
      assertThat(v.path("Namespace").asText()).isEqualTo("default");
      assertThat(v.path("Path").asText()).isEqualTo("app/db");
      assertThat(w.index()).isEqualTo(v.path("ModifyIndex").asText());

      Answer r = send("GET", "/v1/var/app/db", null, TOKEN);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().path("Items").path("user").asText()).isEqualTo("me");
      assertThat(r.json().path("CreateTime").isIntegralNumber()).isTrue();
      assertThat(send("GET", "/v1/var/app/none", null, TOKEN).status())
          .as("command/agent/variable_endpoint.go: variable not found")
          .isEqualTo(404);
    }

    /** VARS, Restrictions: paths match ^[a-zA-Z0-9-_~/]{1,128}$, items at most 64 KiB. */
    @Test
    void badPathsAndItemsOver64KiBAreRefused() throws Exception {
      assertThat(put("/v1/var/app/a.b", items("k", "v")).status()).isEqualTo(400);
      assertThat(put("/v1/var/app/big", items("k", "x".repeat(64 * 1024))).status()).isEqualTo(400);
      assertThat(put("/v1/var/app/fits", items("k", "x".repeat(64 * 1024 - 1))).status())
          .isEqualTo(200);
      assertThat(put("/v1/var/app/empty", "{\"Items\":{}}").status())
          .as("variable_endpoint.go: variable missing required Items object")
          .isEqualTo(400);
    }

    /**
     * VARS, Create Variable's cas parameter and Sample Response for Conflict: 0 creates only, a
     * stale index is a 409 with the current variable in the body.
     */
    @Test
    void checkAndSetWritesAndDeletesConflictWithTheCurrentVariable() throws Exception {
      long first = put("/v1/var/app/c?cas=0", items("n", "1")).json().path("ModifyIndex").asLong();
      Answer again = put("/v1/var/app/c?cas=0", items("n", "2"));
      assertThat(again.status()).isEqualTo(409);
      assertThat(again.json().path("Items").path("n").asText()).isEqualTo("1");

      long second =
          put("/v1/var/app/c?cas=" + first, items("n", "2")).json().path("ModifyIndex").asLong();
      assertThat(second).isGreaterThan(first);
      Answer stale = put("/v1/var/app/c?cas=" + first, items("n", "3"));
      assertThat(stale.status()).isEqualTo(409);
      assertThat(stale.json().path("ModifyIndex").asLong()).isEqualTo(second);

      assertThat(send("DELETE", "/v1/var/app/c?cas=" + first, null, TOKEN).status()).isEqualTo(409);
      assertThat(send("DELETE", "/v1/var/app/c?cas=" + second, null, TOKEN).status())
          .as("variable_endpoint.go: 204 No Content")
          .isEqualTo(204);
      assertThat(send("GET", "/v1/var/app/c", null, TOKEN).status()).isEqualTo(404);
    }

    /** VARS, List Variables: metadata only, by prefix, in the namespace. */
    @Test
    void listingByPrefixGivesMetadataWithoutItems() throws Exception {
      put("/v1/var/app/x/1", items("k", "v"));
      put("/v1/var/app/x/2", items("k", "v"));
      put("/v1/var/other/3", items("k", "v"));
      JsonNode list = send("GET", "/v1/vars?prefix=app/x", null, TOKEN).json();
      assertThat(list).hasSize(2);
      assertThat(list.get(0).has("Items")).isFalse();
      assertThat(list.get(0).path("Path").asText()).isEqualTo("app/x/1");
      assertThat(send("GET", "/v1/vars?prefix=app&namespace=prod", null, TOKEN).json()).isEmpty();
    }
  }

  @Nested
  class Acl {

    /**
     * VARS, the ACL columns (variables:read, write, destroy, list for the path);
     * command/agent/http.go: 403 Permission denied.
     */
    @Test
    void eachCallNeedsItsVariablesCapabilityForThePath() throws Exception {
      assertThat(send("PUT", "/v1/var/app/a", items("k", "v"), "app-secret").status())
          .isEqualTo(200);
      Answer elsewhere = send("PUT", "/v1/var/ops/a", items("k", "v"), "app-secret");
      assertThat(elsewhere.status()).isEqualTo(403);
      assertThat(elsewhere.body()).isEqualTo("Permission denied");
      assertThat(send("DELETE", "/v1/var/app/a", null, "app-secret").status())
          .as("no destroy capability")
          .isEqualTo(403);
      assertThat(send("GET", "/v1/var/app/a", null, "lister-secret").status()).isEqualTo(403);
      assertThat(send("GET", "/v1/vars?prefix=app", null, "lister-secret").json()).hasSize(1);
      assertThat(send("GET", "/v1/vars?prefix=app", null, "app-secret").json())
          .as("the list shows only what the token may list")
          .isEmpty();
      assertThat(send("GET", "/v1/var/app/a", null, null).status()).isEqualTo(403);
      assertThat(send("GET", "/v1/var/app/a", null, "nope").body())
          .isEqualTo("ACL token not found");
    }

    /** VARS, Sample Response for Conflict: without read, the conflict has metadata only. */
    @Test
    void aConflictShowsItemsOnlyToATokenThatMayReadThem() throws Exception {
      server.close();
      server =
          FakeNomadServer.builder(cluster)
              .acl(TOKEN)
              .token("blind", "blind-secret", "variables:write:app/*")
              .start();
      put("/v1/var/app/s", items("k", "v"));
      Answer c = send("PUT", "/v1/var/app/s?cas=0", items("k", "w"), "blind-secret");
      assertThat(c.status()).isEqualTo(409);
      assertThat(c.json().has("Items")).isFalse();
      assertThat(c.json().path("Path").asText()).isEqualTo("app/s");
    }
  }

  @Nested
  class Locks {

    String acquire(String path, String ttl, String delay) throws Exception {
      Answer a =
          put(
              path + "?lock-acquire",
              "{\"Items\":{\"k\":\"v\"},\"Lock\":{\"TTL\":\""
                  + ttl
                  + "\",\"LockDelay\":\""
                  + delay
                  + "\"}}");
      assertThat(a.status()).as(a.body()).isEqualTo(200);
      assertThat(a.json().path("Lock").path("TTL").asText()).isEqualTo(ttl);
      return a.json().path("Lock").path("ID").asText();
    }

    /**
     * LOCKS, lock-acquire: the response has the lock and its ID; a second acquire is a conflict; a
     * write or delete without the lock ID is a 409, with it the write succeeds.
     */
    @Test
    void aLockedVariableIsWrittenOnlyWithItsLockId() throws Exception {
      String id = acquire("/v1/var/app/l", "15s", "15s");
      assertThat(id).isNotEmpty();
      assertThat(put("/v1/var/app/l?lock-acquire", "{\"Lock\":{\"TTL\":\"15s\"}}").status())
          .isEqualTo(409);
      assertThat(put("/v1/var/app/l", items("k", "w")).status()).isEqualTo(409);
      assertThat(send("DELETE", "/v1/var/app/l", null, TOKEN).status()).isEqualTo(409);
      Answer ok =
          put("/v1/var/app/l", "{\"Items\":{\"k\":\"w\"},\"Lock\":{\"ID\":\"" + id + "\"}}");
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.json().path("Items").path("k").asText()).isEqualTo("w");
    }

    /** nomad/variables_endpoint.go Read: the lock is stripped for all but management tokens. */
    @Test
    void onlyAManagementTokenSeesTheLockOnARead() throws Exception {
      acquire("/v1/var/app/seen", "15s", "15s");
      assertThat(send("GET", "/v1/var/app/seen", null, TOKEN).json().path("Lock").has("ID"))
          .isTrue();
      assertThat(send("GET", "/v1/var/app/seen", null, "app-secret").json().has("Lock")).isFalse();
    }

    /**
     * LOCKS, lock-renew and lock-release: renew with the ID keeps it; release with the ID frees it
     * at once (no lock delay), without the ID it is a conflict; release takes no items.
     */
    @Test
    void renewAndReleaseNeedTheLockId() throws Exception {
      String id = acquire("/v1/var/app/r", "15s", "15s");
      String withId = "{\"Lock\":{\"ID\":\"" + id + "\"}}";
      cluster.clock().sleep(Duration.ofSeconds(10));
      assertThat(put("/v1/var/app/r?lock-renew", withId).status()).isEqualTo(200);
      cluster.clock().sleep(Duration.ofSeconds(10));
      assertThat(put("/v1/var/app/r?lock-renew", "{\"Lock\":{\"ID\":\"other\"}}").status())
          .isEqualTo(409);
      assertThat(
              put(
                      "/v1/var/app/r?lock-release",
                      "{\"Items\":{\"k\":\"v\"},\"Lock\":{\"ID\":\"" + id + "\"}}")
                  .status())
          .isEqualTo(400);
      assertThat(put("/v1/var/app/r?lock-release", "{\"Lock\":{\"ID\":\"other\"}}").status())
          .isEqualTo(409);
      Answer released = put("/v1/var/app/r?lock-release", withId);
      assertThat(released.status()).isEqualTo(200);
      assertThat(released.json().has("Lock")).isFalse();
      acquire("/v1/var/app/r", "15s", "15s");
    }

    /**
     * LOCKS, lock-renew: a lock whose TTL passes without a renewal ends, and the variable stays
     * unlockable for the lock delay (nomad/lock/delay.go); then it can be locked again.
     */
    @Test
    void aLapsedLockEndsOnTheVirtualClockAndTheLockDelayHoldsOffTheNext() throws Exception {
      String id = acquire("/v1/var/app/t", "15s", "20s");
      cluster.clock().sleep(Duration.ofSeconds(16));
      assertThat(put("/v1/var/app/t?lock-renew", "{\"Lock\":{\"ID\":\"" + id + "\"}}").status())
          .as("lapsed")
          .isEqualTo(409);
      assertThat(put("/v1/var/app/t", items("k", "free")).status())
          .as("no longer locked: writable without an ID")
          .isEqualTo(200);
      assertThat(put("/v1/var/app/t?lock-acquire", "{\"Lock\":{\"TTL\":\"15s\"}}").status())
          .as("within the lock delay")
          .isEqualTo(409);
      cluster.clock().sleep(Duration.ofSeconds(20));
      acquire("/v1/var/app/t", "15s", "20s");
    }

    /** LOCKS, Restrictions: TTL and delay between 10 seconds and 24 hours. */
    @Test
    void lockTimesOutsideTenSecondsToADayAreRefused() throws Exception {
      assertThat(put("/v1/var/app/x?lock-acquire", "{\"Lock\":{\"TTL\":\"5s\"}}").status())
          .isEqualTo(400);
      assertThat(
              put(
                      "/v1/var/app/x?lock-acquire",
                      "{\"Lock\":{\"TTL\":\"15s\",\"LockDelay\":\"25h\"}}")
                  .status())
          .isEqualTo(400);
    }
  }
}
