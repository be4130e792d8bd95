package io.upkeep.http;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static io.upkeep.http.ModuleRules.assertViolated;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import io.upkeep.internal.Json;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The shape adapters-http keeps: one transport for every vendor, so it knows none of them. */
class ArchitectureTest {

  static final JavaClasses MAIN = ModuleRules.mainClasses("io.upkeep.http");

  static final ArchRule NO_VENDOR =
      noClasses()
          .should()
          .dependOnClassesThat()
          .haveNameMatching("(?i).*(octopus|nomad).*")
          .because(
              "adapters-http is the transport both adapters share; vendor vocabulary belongs in the adapters");

  static final ArchRule INTERNALS = ModuleRules.internalsStayInTheirModule();

  static final ArchRule NO_TEST_CODE =
      ModuleRules.noTestCodeIn(ModuleRules.testLibrariesAnd("io.upkeep.testkit.."));

  @Test
  void importsNoVendor() {
    NO_VENDOR.check(MAIN);
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
    void aClassThatUsesAVendorTypeBreaksNoVendor() {
      assertViolated(NO_VENDOR, UsesAVendor.class);
    }

    @Test
    void aClassThatUsesCoresInternalsBreaksInternals() {
      assertViolated(INTERNALS, UsesCoreInternals.class);
    }

    @Test
    void aClassThatUsesJUnitOrATestFixtureBreaksNoTestCode() {
      assertViolated(NO_TEST_CODE, UsesJUnit.class);
      assertViolated(NO_TEST_CODE, UsesTestPki.class);
    }
  }

  // Fixtures that break the rules on purpose, for the negative controls only.

  static final class OctopusWire {}

  static final class UsesAVendor {
    OctopusWire wire = new OctopusWire();
  }

  static final class UsesCoreInternals {
    String json = Json.write(1);
  }

  static final class UsesJUnit {
    void fail() {
      Assertions.fail("a test library in main code");
    }
  }

  static final class UsesTestPki {
    Class<?> pki = TestPki.class;
  }
}
