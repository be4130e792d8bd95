package io.upkeep.nomad;

import static io.upkeep.nomad.NomadFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.Secret;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.Lease;
import io.upkeep.testkit.http.RecordedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Nomad Variables journal beyond the store contract: a journal larger than one variable,
 * concurrent appends that meet 409 conflicts and lose nothing, a token without the variables
 * capability, and the token kept out of every message.
 */
class NomadJournalStoreTest {

  static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  static final Duration TTL = Duration.ofSeconds(30);

  NomadFixture nomad;

  @AfterEach
  void close() {
    if (nomad != null) {
      nomad.close();
    }
  }

  NomadFixture start(NomadFixture.Builder b) {
    nomad = b.servers(1).clients(0).build();
    return nomad;
  }

  static JournalEntry entry(String kind, int n, String body) {
    return JournalEntry.of("r1", T0.plusSeconds(n), kind, body);
  }

  JsonNode get(String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(nomad.server.baseUrl() + path))
                    .header("X-Nomad-Token", TOKEN)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body());
  }

  @Test
  void aJournalLargerThanOneVariableIsSplitIntoChunksUnderNomadsLimitAndReadsBackWhole()
      throws Exception {
    start(NomadFixture.builder());
    try (NomadJournalStore a = NomadJournalStore.open(nomad.config().build(), "big");
        NomadJournalStore b = NomadJournalStore.open(nomad.config().build(), "big")) {
      Lease l = a.acquire("runner-1", TTL, T0).orElseThrow();
      String padding = "x".repeat(3000) + "é€𝄞"; // multi-byte characters across chunk edges
      List<JournalEntry> written = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        written.addAll(
            a.append(
                List.of(entry("progress", i, "{\"n\":" + i + ",\"pad\":\"" + padding + "\"}")),
                l,
                T0));
      }
      // One entry larger than a variable too: it spans chunks.
      written.addAll(
          a.append(
              List.of(entry("start", 100, "{\"plan\":\"" + "p".repeat(150_000) + "\"}")), l, T0));

      assertThat(b.read(0)).containsExactlyElementsOf(written);
      JsonNode chunks = get("/v1/vars?prefix=upkeep/big/chunk/");
      assertThat(chunks.size()).isGreaterThan(5);
      for (JsonNode c : chunks) {
        JsonNode v = get("/v1/var/" + c.path("Path").asText());
        int bytes = 0;
        for (var e : v.path("Items").properties()) {
          bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length;
          bytes += e.getValue().asText().getBytes(StandardCharsets.UTF_8).length;
        }
        assertThat(bytes).isLessThanOrEqualTo(NomadJournalStore.MAX_VARIABLE_BYTES);
      }
      assertThat(written.get(100).seq()).isEqualTo(101);
    }
  }

  @Test
  void concurrentAppendsFromTwoProcessesMeetConflictsAndLoseNoRecord() throws Exception {
    start(NomadFixture.builder());
    try (NomadJournalStore runner = NomadJournalStore.open(nomad.config().build(), "race");
        NomadJournalStore operator = NomadJournalStore.open(nomad.config().build(), "race")) {
      Lease l = runner.acquire("runner-1", TTL, T0).orElseThrow();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<List<JournalEntry>> progress =
            pool.submit(
                () -> {
                  go.await();
                  List<JournalEntry> out = new ArrayList<>();
                  for (int i = 0; i < 40; i++) {
                    out.addAll(
                        runner.append(List.of(entry("progress", i, "{\"p\":" + i + "}")), l, T0));
                  }
                  return out;
                });
        Future<List<JournalEntry>> control =
            pool.submit(
                () -> {
                  go.await();
                  List<JournalEntry> out = new ArrayList<>();
                  for (int i = 0; i < 40; i++) {
                    out.addAll(
                        operator.append(
                            List.of(entry(JournalEntry.CONTROL, i, "{\"c\":" + i + "}")),
                            null,
                            T0));
                  }
                  return out;
                });
        go.countDown();
        List<JournalEntry> all = new ArrayList<>(progress.get());
        all.addAll(control.get());

        List<JournalEntry> read = runner.read(0);
        assertThat(read).hasSize(80).containsExactlyInAnyOrderElementsOf(all);
        assertThat(read).extracting(JournalEntry::seq).isSorted().doesNotHaveDuplicates();
      } finally {
        pool.shutdownNow();
      }
      assertThat(nomad.server.requests())
          .as("the race was real: some head writes met a 409 and were tried again")
          .anySatisfy(
              r -> {
                assertThat(r.path()).endsWith("/race/head");
                assertThat(r.status()).isEqualTo(409);
              });
    }
  }

  @Test
  void aTokenWithoutTheVariablesCapabilityGetsAnErrorNamingThePathAndThePolicyToAdd() {
    start(
        NomadFixture.builder()
            .server(b -> b.token("reader", "reader-secret-31", "variables:read:upkeep/*")));
    try (NomadJournalStore store =
        NomadJournalStore.open(
            nomad.config().token(Secret.of("reader-secret-31")).build(), "denied")) {
      assertThatThrownBy(
              () -> store.append(List.of(entry(JournalEntry.CONTROL, 1, "{}")), null, T0))
          .isInstanceOf(NomadPermissionException.class)
          .hasMessageContaining("403 Permission denied")
          .hasMessageContaining("'upkeep/denied/head'")
          .hasMessageContaining("namespace 'default'")
          .hasMessageContaining(
              "path \"upkeep/denied/*\" { capabilities = [\"read\", \"write\", \"list\","
                  + " \"destroy\"] }")
          .satisfies(
              e ->
                  assertThat(e.toString() + e.getMessage())
                      .doesNotContain("reader-secret-31")
                      .doesNotContain(TOKEN));
      assertThat(store.read(0)).as("reading is allowed").isEmpty();
    }
  }

  @Test
  void theTokenNeverAppearsInExceptionsToStringsRequestsOrTheLog() throws Exception {
    start(
        NomadFixture.builder()
            .server(b -> b.token("writer-only", "writer-secret-58", "variables:write")));
    List<String> seen = new ArrayList<>();
    try (NomadJournalStore store = NomadJournalStore.open(nomad.config().build(), "secret");
        NomadJournalStore limited =
            NomadJournalStore.open(
                nomad.config().token(Secret.of("writer-secret-58")).build(), "secret");
        NomadJournalStore unknown =
            NomadJournalStore.open(
                nomad.config().token(Secret.of("not-a-token-4242")).build(), "secret")) {
      Lease l = store.acquire("runner-1", TTL, T0).orElseThrow();
      store.append(List.of(entry("start", 1, "{}")), l, T0);
      seen.add(
          NomadTokenSecrecyTest.messageOf(
              () -> store.append(List.of(entry("p", 2, "{}")), l, T0.plus(TTL))));
      seen.add(NomadTokenSecrecyTest.messageOf(limited::lease));
      seen.add(NomadTokenSecrecyTest.messageOf(() -> unknown.read(0)));
      seen.add(store.toString());
      seen.add(limited.toString());
      nomad.server.requests().forEach(r -> seen.add(r.toString() + r.headers()));
      assertThat(nomad.server.requests())
          .allSatisfy(r -> assertThat(r.header("X-Nomad-Token")).contains(RecordedRequest.MASKED));
    }
    assertThat(String.join("\n", seen))
        .contains("lapsed", "Permission denied", "ACL token not found")
        .doesNotContain(TOKEN)
        .doesNotContain("writer-secret-58")
        .doesNotContain("not-a-token-4242");
    String log = Files.readString(NomadTokenSecrecyTest.LOG, StandardCharsets.UTF_8);
    assertThat(log).contains("/v1/var/upkeep/secret/head");
    assertThat(log)
        .doesNotContain(TOKEN)
        .doesNotContain("writer-secret-58")
        .doesNotContain("not-a-token-4242");
  }
}
