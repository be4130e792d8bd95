package io.upkeep.jdbc;

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
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The shape store-jdbc keeps: plain JDBC (no driver of its own: users bring theirs), no adapter,
 * public APIs of core only, and no test code.
 */
class ArchitectureTest {

  static final JavaClasses MAIN = ModuleRules.mainClasses("io.upkeep.jdbc");

  static final ArchRule NO_ADAPTER =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.upkeep.octopus..", "io.upkeep.nomad..", "io.upkeep.http..")
          .because("a journal store knows no cluster vendor nor HTTP; it is a port of core");

  static final ArchRule NO_DRIVER =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.postgresql..", "com.microsoft.sqlserver..", "io.zonky..")
          .because("the store speaks java.sql only: users bring the driver of their database");

  static final ArchRule INTERNALS = ModuleRules.internalsStayInTheirModule();

  static final ArchRule NO_TEST_CODE =
      ModuleRules.noTestCodeIn(ModuleRules.testLibrariesAnd("io.upkeep.testkit.."));

  @Test
  void usesNoAdapter() {
    NO_ADAPTER.check(MAIN);
  }

  @Test
  void usesNoDriverOfItsOwn() {
    NO_DRIVER.check(MAIN);
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
    void aClassThatUsesAVendorsFakeBreaksNoAdapter() {
      assertViolated(NO_ADAPTER, UsesAnAdapter.class);
    }

    @Test
    void aClassThatUsesThePostgresDriverBreaksNoDriver() {
      assertViolated(NO_DRIVER, UsesTheDriver.class);
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

  static final class UsesAnAdapter {
    Class<?> other = FakeNomadServer.class;
    Class<?> transport = io.upkeep.http.ModuleRules.class;
  }

  static final class UsesTheDriver {
    Class<?> driver = PGSimpleDataSource.class;
  }

  static final class UsesCoreInternals {
    String json = Json.write(1);
  }

  static final class UsesTheTestkit {
    Class<?> cluster = FakeCluster.class;
  }
}
