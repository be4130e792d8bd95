package io.upkeep;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaModifier.PUBLIC;
import static com.tngtech.archunit.core.domain.properties.HasModifiers.Predicates.modifier;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.upkeep.internal.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The shape core must keep (ARCHITECTURE.md): no HTTP, no vendor names, time injected, internals
 * hidden.
 */
class ArchitectureTest {

  private static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.upkeep");

  private static final String INTERNAL = "io.upkeep.internal..";
  private static final String[] PUBLIC_PACKAGES = {
    "io.upkeep", "io.upkeep.spi", "io.upkeep.event", "io.upkeep.journal"
  };

  /** The public classes that are the sanctioned way into io.upkeep.internal. */
  private static final Set<String> ENTRY_CLASSES =
      Set.of(
          "io.upkeep.UpgradePlanner",
          "io.upkeep.UpgradeExecutor",
          "io.upkeep.UpgradeRun",
          "io.upkeep.UpgradePlan",
          "io.upkeep.RunState",
          "io.upkeep.RunControl",
          "io.upkeep.spi.TimeSource",
          "io.upkeep.journal.FileJournalStore",
          "io.upkeep.journal.InMemoryJournalStore");

  /** An entry class, or a class nested in one (a builder, a record component type). */
  private static final DescribedPredicate<JavaClass> ENTRY_CLASS =
      describe(
          "a known entry class " + ENTRY_CLASSES, c -> ENTRY_CLASSES.contains(topLevelName(c)));

  /**
   * Reads of the system clock and real waits: every way core could escape the injected TimeSource.
   */
  private static final DescribedPredicate<JavaMethodCall> SYSTEM_TIME =
      describe(
          "a read of the system clock or a real sleep",
          call -> {
            String owner = call.getTargetOwner().getName();
            String name = call.getName();
            return (owner.startsWith("java.time.") && name.equals("now"))
                || (owner.equals("java.time.Clock") && name.startsWith("system"))
                || (owner.equals("java.lang.System")
                    && (name.equals("currentTimeMillis") || name.equals("nanoTime")))
                || (owner.equals("java.lang.Thread") && name.equals("sleep"))
                || (owner.equals("java.util.concurrent.TimeUnit") && name.equals("sleep"));
          });

  static final ArchRule NO_HTTP_OR_RESILIENCE =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.apache.hc..", "io.github.resilience4j..")
          .because("core holds no HTTP; the adapters do");

  static final ArchRule NO_VENDOR_DEPENDENCY =
      noClasses()
          .should()
          .dependOnClassesThat()
          .haveNameMatching("(?i).*(octopus|nomad).*")
          .because("core never imports an adapter or a vendor's vocabulary");

  static final ArchRule NO_VENDOR_NAME =
      noClasses()
          .should()
          .haveNameMatching("(?i).*(octopus|nomad).*")
          .because("vendor vocabulary belongs in the adapters");

  static final ArchRule ONLY_SYSTEM_TIME_SOURCE_READS_THE_CLOCK =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName("io.upkeep.internal.SystemTimeSource")
          .should()
          .callMethodWhere(SYSTEM_TIME)
          .because(
              "time comes from the injected TimeSource, so runs are deterministic under a virtual clock");

  static final ArchRule INTERNAL_ONLY_FROM_ENTRY_CLASSES =
      noClasses()
          .that()
          .resideInAnyPackage(PUBLIC_PACKAGES)
          .and(not(ENTRY_CLASS))
          .should()
          .dependOnClassesThat()
          .resideInAPackage(INTERNAL)
          .because(
              "io.upkeep.internal is not API; only the planner, executor, run, plan, run state and "
                  + "TimeSource.system() may use it");

  static final ArchRule SPI_AND_EVENTS_DO_NOT_REFERENCE_PUBLIC_INTERNALS =
      noClasses()
          .that()
          .resideInAnyPackage("io.upkeep.spi", "io.upkeep.event")
          .and()
          .doNotHaveFullyQualifiedName("io.upkeep.spi.TimeSource")
          .should()
          .dependOnClassesThat(resideInAPackage(INTERNAL).and(modifier(PUBLIC)))
          .because(
              "ports and events are implemented and consumed by users, who must not see internals");

  static final ArchRule TIME_SOURCE_REACHES_ONLY_THE_SYSTEM_CLOCK =
      classes()
          .that()
          .haveFullyQualifiedName("io.upkeep.spi.TimeSource")
          .should()
          .onlyDependOnClassesThat(
              not(resideInAPackage(INTERNAL))
                  .or(
                      describe(
                          "io.upkeep.internal.SystemTimeSource",
                          c -> c.getName().equals("io.upkeep.internal.SystemTimeSource"))))
          .because(
              "TimeSource.system() is the one sanctioned route from the SPI to an internal type");

  static final ArchRule NO_INTERNAL_TYPE_IN_A_PUBLIC_SIGNATURE =
      classes()
          .that()
          .resideInAnyPackage(PUBLIC_PACKAGES)
          .and()
          .arePublic()
          .should(
              new ArchCondition<JavaClass>(
                  "mention no io.upkeep.internal type in a public member's signature") {
                @Override
                public void check(JavaClass c, ConditionEvents events) {
                  List<JavaMember> members = new ArrayList<>();
                  members.addAll(c.getMethods());
                  members.addAll(c.getConstructors());
                  members.addAll(c.getFields());
                  for (JavaMember m : members) {
                    if (!m.getModifiers().contains(PUBLIC)) {
                      continue;
                    }
                    List<JavaClass> types = new ArrayList<>();
                    if (m instanceof JavaCodeUnit u) {
                      types.add(u.getRawReturnType());
                      types.addAll(u.getRawParameterTypes());
                    } else if (m instanceof JavaField f) {
                      types.add(f.getRawType());
                    }
                    for (JavaClass t : types) {
                      if (t.getPackageName().startsWith("io.upkeep.internal")) {
                        events.add(
                            SimpleConditionEvent.violated(
                                m, m.getFullName() + " exposes " + t.getName()));
                      }
                    }
                  }
                }
              })
          .because("internal types must stay replaceable without breaking users");

  private static String topLevelName(JavaClass c) {
    String name = c.getName();
    int dollar = name.indexOf('$');
    return dollar < 0 ? name : name.substring(0, dollar);
  }

  @Test
  void importsTheWholeOfCore() {
    assertThat(CORE.contain("io.upkeep.UpgradePlanner")).isTrue();
    assertThat(CORE.contain("io.upkeep.internal.PlanBuilder")).isTrue();
    assertThat(CORE.contain("io.upkeep.spi.ClusterPort")).isTrue();
    assertThat(CORE.contain("io.upkeep.event.UpgradeEvent")).isTrue();
    assertThat(CORE.contain(ArchitectureTest.class.getName()))
        .as("tests are not part of core")
        .isFalse();
  }

  @Nested
  class CoreKeeps {

    @Test
    void noDependencyOnHttpClientOrResilience4j() {
      NO_HTTP_OR_RESILIENCE.check(CORE);
    }

    @Test
    void noDependencyOnAnyClassNamedForAVendor() {
      NO_VENDOR_DEPENDENCY.check(CORE);
    }

    @Test
    void noClassNamedForAVendor() {
      NO_VENDOR_NAME.check(CORE);
    }

    @Test
    void theSystemClockAndRealSleepsInsideSystemTimeSourceOnly() {
      ONLY_SYSTEM_TIME_SOURCE_READS_THE_CLOCK.check(CORE);
    }

    @Test
    void theSystemClockInSystemTimeSource() {
      classes()
          .that()
          .haveFullyQualifiedName("io.upkeep.internal.SystemTimeSource")
          .should()
          .callMethodWhere(SYSTEM_TIME)
          .check(CORE);
    }

    @Test
    void internalReachedFromPublicPackagesOnlyThroughTheKnownEntryClasses() {
      INTERNAL_ONLY_FROM_ENTRY_CLASSES.check(CORE);
    }

    @Test
    void spiAndEventsFreeOfPublicInternalTypes() {
      SPI_AND_EVENTS_DO_NOT_REFERENCE_PUBLIC_INTERNALS.check(CORE);
    }

    @Test
    void timeSourceReachingIntoInternalOnlyForTheSystemClock() {
      TIME_SOURCE_REACHES_ONLY_THE_SYSTEM_CLOCK.check(CORE);
    }

    @Test
    void internalTypesOutOfEveryPublicSignature() {
      NO_INTERNAL_TYPE_IN_A_PUBLIC_SIGNATURE.check(CORE);
    }
  }

  /** The rules are only worth having if they catch an offender; these are offenders. */
  @Nested
  class TheRulesCatch {

    private JavaClasses offenders() {
      return new ClassFileImporter()
          .importClasses(
              ReadsTheClock.class,
              UsesAVendor.class,
              OctopusClient.class,
              ReachesIntoInternal.class,
              LeaksAnInternalType.class);
    }

    @Test
    void aClassThatReadsTheClock() {
      assertThat(
              ONLY_SYSTEM_TIME_SOURCE_READS_THE_CLOCK
                  .evaluate(offenders())
                  .getFailureReport()
                  .getDetails())
          .anySatisfy(d -> assertThat(d).contains("ReadsTheClock", "java.time.Instant.now()"))
          .anySatisfy(d -> assertThat(d).contains("ReadsTheClock", "System.currentTimeMillis()"));
    }

    @Test
    void aClassThatUsesAVendorsType() {
      assertThat(NO_VENDOR_DEPENDENCY.evaluate(offenders()).getFailureReport().getDetails())
          .anySatisfy(d -> assertThat(d).contains("UsesAVendor", "OctopusClient"));
      assertThat(NO_VENDOR_NAME.evaluate(offenders()).hasViolation()).isTrue();
    }

    @Test
    void aPublicClassThatReachesIntoInternal() {
      assertThat(
              INTERNAL_ONLY_FROM_ENTRY_CLASSES
                  .evaluate(offenders())
                  .getFailureReport()
                  .getDetails())
          .anySatisfy(
              d -> assertThat(d).contains("ReachesIntoInternal", "io.upkeep.internal.Json"));
    }

    @Test
    void aPublicMethodThatExposesAnInternalType() {
      assertThat(
              NO_INTERNAL_TYPE_IN_A_PUBLIC_SIGNATURE
                  .evaluate(offenders())
                  .getFailureReport()
                  .getDetails())
          .anySatisfy(
              d -> assertThat(d).contains("LeaksAnInternalType", "io.upkeep.internal.Json"));
    }
  }

  // Offenders for TheRulesCatch; they live in the test sources and are never imported as core.

  static final class ReadsTheClock {
    long read() {
      return Instant.now().toEpochMilli() + System.currentTimeMillis();
    }
  }

  static final class OctopusClient {}

  static final class UsesAVendor {
    OctopusClient client;
  }

  static final class ReachesIntoInternal {
    String write(Object o) {
      return Json.write(o);
    }
  }

  public static final class LeaksAnInternalType {
    public Json json() {
      return null;
    }
  }
}
