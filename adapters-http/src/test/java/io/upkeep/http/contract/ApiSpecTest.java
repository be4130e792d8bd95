package io.upkeep.http.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.upkeep.http.contract.ApiSpec.Finding;
import io.upkeep.http.contract.ApiSpec.Kind;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The validator the contract tests rely on, on both vendors' specs: what agrees passes, and each
 * kind of disagreement is found (the negative control: a contract test whose validator accepts
 * anything proves nothing).
 */
class ApiSpecTest {

  @Nested
  class OnOctopusSwagger2 {

    final ApiSpec spec = ReferenceSpecs.octopus();

    @Test
    void acceptsWhatTheSpecDescribesAndMatchesPathsInAnyCaseAsOctopusDoes() {
      assertThat(spec.operation("GET", "/API/OctopusServerNodes/summary"))
          .hasValueSatisfying(
              op -> assertThat(op).hasToString("GET /api/octopusservernodes/summary"));
      assertThat(spec.operation("GET", "/api/tasks/tasktypes"))
          .hasValueSatisfying(op -> assertThat(op.template()).isEqualTo("/api/tasks/tasktypes"));
      assertThat(spec.operation("GET", "/api"))
          .hasValueSatisfying(op -> assertThat(op.template()).isEqualTo("/api"));
      assertThat(spec.checkRequest("GET", "/api/octopusservernodes", "skip=0&take=30", ""))
          .isEmpty();
      assertThat(spec.checkRequest("GET", "/api/octopusservernodes", "apikey=API-X", ""))
          .as("the security scheme's ApiKey, in any case")
          .isEmpty();
      assertThat(
              spec.checkRequest(
                  "PUT",
                  "/api/octopusservernodes/OctopusServerNodes-1",
                  "",
                  "{\"Id\":\"OctopusServerNodes-1\",\"MaxConcurrentTasks\":0,\"IsInMaintenanceMode\":true}"))
          .isEmpty();
      assertThat(
              spec.checkResponse(
                  "GET",
                  "/api/octopusservernodes/OctopusServerNodes-1",
                  200,
                  "{\"Id\":\"OctopusServerNodes-1\",\"MaxConcurrentTasks\":5,\"LastModifiedOn\":\"2024-05-01T10:00:00.000+00:00\"}"))
          .isEmpty();
    }

    @Test
    void findsAResponsePropertyOfTheWrongTypeOrFormat() {
      List<Finding> found =
          spec.checkResponse(
              "GET",
              "/api/octopusservernodes/OctopusServerNodes-1",
              200,
              "{\"Id\":\"OctopusServerNodes-1\",\"MaxConcurrentTasks\":\"five\",\"LastModifiedOn\":\"yesterday\"}");
      assertThat(found)
          .extracting(Finding::kind, Finding::location, Finding::keyword)
          .containsExactlyInAnyOrder(
              tuple(Kind.RESPONSE_BODY, "/MaxConcurrentTasks", "type"),
              tuple(Kind.RESPONSE_BODY, "/LastModifiedOn", "format"));
    }

    @Test
    void findsAnUnknownPathAnUnknownMethodAnUndocumentedStatusAndABodyThatIsNotJson() {
      assertThat(
              spec.checkRequest(
                  "GET", "/api/octopusservernodes/OctopusServerNodes-1/restart", "", ""))
          .extracting(Finding::kind)
          .containsExactly(Kind.UNDOCUMENTED_OPERATION);
      assertThat(spec.checkRequest("PATCH", "/api/maintenanceconfiguration", "", "{}"))
          .extracting(Finding::kind)
          .containsExactly(Kind.UNDOCUMENTED_OPERATION);
      assertThat(spec.checkResponse("GET", "/api/maintenanceconfiguration", 418, ""))
          .extracting(Finding::kind)
          .containsExactly(Kind.UNDOCUMENTED_STATUS);
      assertThat(spec.checkResponse("GET", "/api/maintenanceconfiguration", 200, "<html>"))
          .extracting(Finding::kind)
          .containsExactly(Kind.RESPONSE_BODY);
    }

    @Test
    void findsAnUndocumentedOrMistypedQueryParameterAndAWrongRequestBody() {
      assertThat(spec.checkRequest("GET", "/api/octopusservernodes", "skip=none&colour=blue", ""))
          .extracting(Finding::kind, Finding::location, Finding::keyword)
          .containsExactlyInAnyOrder(
              tuple(Kind.QUERY, "/skip", "type"),
              tuple(Kind.QUERY, "/colour", "additionalProperties"));
      assertThat(
              spec.checkRequest(
                  "PUT",
                  "/api/octopusservernodes/OctopusServerNodes-1",
                  "",
                  "{\"IsInMaintenanceMode\":\"yes\"}"))
          .extracting(Finding::kind, Finding::location)
          .containsExactly(tuple(Kind.REQUEST_BODY, "/IsInMaintenanceMode"));
      assertThat(spec.checkRequest("GET", "/api/maintenanceconfiguration", "", "{}"))
          .extracting(Finding::kind)
          .containsExactly(Kind.REQUEST_BODY);
    }
  }

  @Nested
  class OnNomadOpenApi30 {

    final ApiSpec spec = ReferenceSpecs.nomad();

    @Test
    void acceptsWhatTheSpecDescribesWithItsServersBasePathAndCaseSensitiveRoutes() {
      assertThat(spec.operation("GET", "/v1/node/5e0c8f3a/allocations"))
          .hasValueSatisfying(
              op -> assertThat(op).hasToString("GET /v1/node/{nodeId}/allocations"));
      assertThat(spec.operation("GET", "/V1/Nodes")).isEmpty();
      assertThat(
              spec.checkRequest(
                  "POST",
                  "/v1/node/5e0c8f3a/drain",
                  "region=global",
                  "{\"NodeID\":\"5e0c8f3a\",\"DrainSpec\":{\"Deadline\":600000000000,\"IgnoreSystemJobs\":false}}"))
          .isEmpty();
      assertThat(
              spec.checkResponse(
                  "GET",
                  "/v1/nodes",
                  200,
                  "[{\"ID\":\"5e0c8f3a\",\"Drain\":false,\"ModifyIndex\":12,\"Status\":\"ready\"}]"))
          .isEmpty();
    }

    @Test
    void findsAResponsePropertyOfTheWrongTypeAndANullTheSpecDoesNotAllow() {
      assertThat(spec.checkResponse("GET", "/v1/nodes", 200, "[{\"ID\":5,\"Name\":null}]"))
          .extracting(Finding::location, Finding::keyword, Finding::value)
          .containsExactlyInAnyOrder(tuple("/0/ID", "type", "5"), tuple("/0/Name", "type", "null"));
    }

    @Test
    void findsAWrongRequestBodyAMissingOneAndAWrongMethod() {
      assertThat(
              spec.checkRequest(
                  "POST", "/v1/node/5e0c8f3a/drain", "", "{\"DrainSpec\":{\"Deadline\":\"10m\"}}"))
          .extracting(Finding::kind, Finding::location)
          .containsExactly(tuple(Kind.REQUEST_BODY, "/DrainSpec/Deadline"));
      assertThat(spec.checkRequest("POST", "/v1/node/5e0c8f3a/eligibility", "", ""))
          .extracting(Finding::kind, Finding::keyword)
          .containsExactly(tuple(Kind.REQUEST_BODY, "required"));
      assertThat(spec.checkRequest("DELETE", "/v1/nodes", "", ""))
          .extracting(Finding::kind)
          .containsExactly(Kind.UNDOCUMENTED_OPERATION);
      assertThat(spec.checkRequest("GET", "/v1/nodes", "per_page=many", ""))
          .extracting(Finding::kind, Finding::location)
          .containsExactly(tuple(Kind.QUERY, "/per_page"));
    }
  }

  @Nested
  class ContractCheckVerdict {

    final ContractCheck.Deviation nulls =
        ContractCheck.Deviation.nullsInAnswers("Go writes nil as null");

    @Test
    void passesWhenEveryFindingIsAListedDeviation() {
      ContractCheck check = ContractCheck.of("nomad", ReferenceSpecs.nomad(), List.of(nulls));
      check.check("GET", "/v1/nodes", "", "", 200, "[{\"ID\":\"a\",\"Attributes\":null}]");

      check.assertConforms();
      assertThat(check.summary())
          .isEqualTo(
              "nomad contract: 1 requests, 1 responses checked against openapi.yaml,"
                  + " 1 known deviations seen");
    }

    @Test
    void failsOnAFindingNoDeviationExplainsAndOnADeviationNothingShowed() {
      ContractCheck check =
          ContractCheck.of(
              "nomad",
              ReferenceSpecs.nomad(),
              List.of(
                  nulls,
                  ContractCheck.Deviation.of(
                      Kind.UNDOCUMENTED_OPERATION, "GET /v1/agent/self", "", "no /agent paths")));
      check.check("GET", "/v1/nodes", "region=global&token=s3cr3t", "", 200, "[{\"ID\":7}]");

      assertThatThrownBy(check::assertConforms)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("region=global&token=<masked>")
          .hasMessageNotContaining("s3cr3t")
          .hasMessageContaining("GET /v1/nodes RESPONSE_BODY at /0/ID")
          .hasMessageContaining("not seen (remove it?): Go writes nil as null")
          .hasMessageContaining("not seen (remove it?): no /agent paths");
    }
  }

  @Test
  void failsClearlyWhenASpecIsNotWhereItIsExpected() {
    assertThatThrownBy(() -> ReferenceSpecs.file("nomad/no-such-spec.yaml"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shared/reference")
        .hasMessageContaining(ReferenceSpecs.PROPERTY);
  }
}
