package io.upkeep.testkit;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static io.upkeep.http.ModuleRules.assertViolated;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import io.upkeep.http.ModuleRules;
import io.upkeep.internal.Json;
import io.upkeep.testkit.http.nomad.FakeNomadServer;
import io.upkeep.testkit.http.octopus.FakeOctopusServer;
import io.upkeep.testkit.http.octopus.UsesTheNomadFake;
import io.upkeep.testkit.junit5.internal.FakeClusterExtension;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The testkit's layout: a vendor-free part (the fake cluster, the clock, the invariant monitor, the
 * JUnit 5 extension, the AssertJ assertions, the rehearsal, the shared fake HTTP base) and the
 * vendor fakes on the base, each unaware of the other.
 */
class ArchitectureTest {

  static final JavaClasses MAIN = ModuleRules.mainClasses("io.upkeep.testkit");

  static final String[] VENDOR_FAKES = {
    "io.upkeep.testkit.http.octopus..", "io.upkeep.testkit.http.nomad.."
  };

  static final ArchRule VENDOR_FREE =
      noClasses()
          .that()
          .resideInAPackage("io.upkeep.testkit..")
          .and()
          .resideOutsideOfPackages(VENDOR_FAKES)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(VENDOR_FAKES)
          .orShould()
          .dependOnClassesThat()
          .resideInAnyPackage("io.upkeep.octopus..", "io.upkeep.nomad..")
          .because(
              "the testkit's vendor-free part works for any cluster; a vendor's fake builds on it, not in it");

  static final ArchRule FAKES_APART =
      slices()
          .matching("io.upkeep.testkit.http.(*)..")
          .should()
          .notDependOnEachOther()
          .because("the Octopus fake and the Nomad fake share only the vendor-free base");

  static final ArchRule INTERNALS = ModuleRules.internalsStayInTheirModule();

  static final ArchRule JUNIT5_INTERNALS =
      classes()
          .that()
          .resideInAPackage("io.upkeep.testkit.junit5.internal..")
          .should()
          .onlyBeAccessed()
          .byClassesThat()
          .resideInAPackage("io.upkeep.testkit.junit5..")
          .because("the extension is reached through its public entry point, @EnableFakeCluster");

  static final ArchRule NO_TEST_CODE =
      noClasses()
          .that()
          .resideOutsideOfPackages("io.upkeep.testkit.junit5..", "io.upkeep.testkit.assertj..")
          .should()
          .dependOnClassesThat(
              resideInAnyPackage(ModuleRules.TEST_LIBRARIES).or(ModuleRules.TEST_CLASS))
          .because("JUnit and AssertJ are optional: only the junit5 and assertj packages use them");

  @Test
  void theVendorFreePartImportsNoVendor() {
    VENDOR_FREE.check(MAIN);
  }

  @Test
  void theVendorFakesDoNotImportEachOther() {
    FAKES_APART.check(MAIN);
  }

  @Test
  void internalsStayInternal() {
    INTERNALS.check(MAIN);
    JUNIT5_INTERNALS.check(MAIN);
  }

  @Test
  void mainCodeUsesNoTestCode() {
    NO_TEST_CODE.check(MAIN);
  }

  /** Each rule fails for a class that breaks it: none passes for want of anything to look at. */
  @Nested
  class NegativeControls {

    @Test
    void aVendorFreeClassThatUsesAVendorFakeBreaksVendorFree() {
      assertViolated(VENDOR_FREE, UsesAVendorFake.class);
    }

    @Test
    void anOctopusFakeClassThatUsesTheNomadFakeBreaksFakesApart() {
      assertViolated(FAKES_APART, UsesTheNomadFake.class, FakeNomadServer.class);
    }

    @Test
    void aClassThatUsesAnotherModulesInternalsBreaksInternals() {
      assertViolated(INTERNALS, UsesCoreInternals.class);
      assertViolated(JUNIT5_INTERNALS, UsesTheExtensionDirectly.class, FakeClusterExtension.class);
    }

    @Test
    void aVendorFreeClassThatUsesJUnitBreaksNoTestCode() {
      assertViolated(NO_TEST_CODE, UsesJUnit.class);
    }
  }

  // Fixtures that break the rules on purpose, for the negative controls only.

  static final class UsesAVendorFake {
    Class<?> fake = FakeOctopusServer.class;
  }

  static final class UsesCoreInternals {
    String json = Json.write(1);
  }

  static final class UsesTheExtensionDirectly {
    Object extension = new FakeClusterExtension();
  }

  static final class UsesJUnit {
    void fail() {
      Assertions.fail("a test library in main code");
    }
  }
}
