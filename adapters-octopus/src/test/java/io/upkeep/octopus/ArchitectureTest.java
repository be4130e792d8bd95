package io.upkeep.octopus;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static io.upkeep.http.ModuleRules.assertViolated;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import io.upkeep.http.ModuleRules;
import io.upkeep.internal.Json;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.nomad.FakeNomadServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The shape adapters-octopus keeps: it knows no other vendor, keeps to public APIs, and ships no
 * test code.
 */
class ArchitectureTest {

  static final JavaClasses MAIN = ModuleRules.mainClasses("io.upkeep.octopus");

  static final ArchRule NO_OTHER_ADAPTER =
      noClasses()
          .should()
          .dependOnClassesThat()
          .haveNameMatching("(?i).*nomad.*")
          .because(
              "no adapter imports another adapter (nor its fake); what both need is in core or adapters-http");

  static final ArchRule INTERNALS = ModuleRules.internalsStayInTheirModule();

  static final ArchRule NO_TEST_CODE =
      ModuleRules.noTestCodeIn(ModuleRules.testLibrariesAnd("io.upkeep.testkit.."));

  @Test
  void importsNoOtherAdapter() {
    NO_OTHER_ADAPTER.check(MAIN);
  }

  @Test
  void usesNoOtherModulesInternals() {
    INTERNALS.check(MAIN);
  }

  @Test
  void mainCodeUsesNoTestCode() {
    NO_TEST_CODE.check(MAIN);
  }

  /** Each rule fails for a class that breaks it: none passes for want of anything to look at. */
  @Nested
  class NegativeControls {

    @Test
    void aClassThatUsesTheNomadFakeBreaksNoOtherAdapter() {
      assertViolated(NO_OTHER_ADAPTER, UsesTheOtherVendor.class);
    }

    @Test
    void aClassThatUsesCoresInternalsBreaksInternals() {
      assertViolated(INTERNALS, UsesCoreInternals.class);
    }

    @Test
    void aClassThatUsesTheTestkitBreaksNoTestCode() {
      assertViolated(NO_TEST_CODE, UsesTheTestkit.class);
    }
  }

  // Fixtures that break the rules on purpose, for the negative controls only.

  static final class UsesTheOtherVendor {
    Class<?> other = FakeNomadServer.class;
  }

  static final class UsesCoreInternals {
    String json = Json.write(1);
  }

  static final class UsesTheTestkit {
    Class<?> cluster = FakeCluster.class;
  }
}
