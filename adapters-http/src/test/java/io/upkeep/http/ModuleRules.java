package io.upkeep.http;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import java.util.Optional;

/**
 * The ArchUnit rules every module's {@code ArchitectureTest} shares (test fixtures, published in
 * this module's test jar with {@code TestPki}): which module a package belongs to, internals that
 * stay in their module, test code that stays out of main code, and the negative-control helper that
 * proves a rule can fail.
 */
public final class ModuleRules {

  /** Each module's root package, most specific first: a package belongs to the first it is in. */
  static final List<String> MODULE_ROOTS =
      List.of(
          "io.upkeep.testkit",
          "io.upkeep.octopus",
          "io.upkeep.nomad",
          "io.upkeep.http",
          "io.upkeep.jdbc",
          "io.upkeep");

  /**
   * Test libraries: main code never uses them (the testkit's junit5 and assertj packages aside).
   */
  public static final String[] TEST_LIBRARIES = {
    "org.junit..",
    "org.opentest4j..",
    "org.assertj..",
    "com.tngtech.archunit..",
    "org.bouncycastle.."
  };

  /** A class compiled from a {@code src/test} tree: a module's own tests or another's test jar. */
  public static final DescribedPredicate<JavaClass> TEST_CLASS =
      DescribedPredicate.describe(
          "test code",
          c ->
              c.getSource()
                  .map(s -> s.getUri().toString())
                  .filter(u -> u.contains("/test-classes/") || u.contains("-tests.jar"))
                  .isPresent());

  private ModuleRules() {}

  /**
   * The main classes under {@code rootPackage} on the test class path: neither a module's own tests
   * nor another's test jar (a directory of test classes within the reactor, a {@code -tests.jar}
   * once packaged).
   */
  public static JavaClasses mainClasses(String rootPackage) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> !location.contains("-tests.jar"))
        .importPackages(rootPackage);
  }

  /** The module a package belongs to (its root package), if it is one of Upkeep's. */
  static Optional<String> moduleOf(String packageName) {
    return MODULE_ROOTS.stream()
        .filter(r -> packageName.equals(r) || packageName.startsWith(r + "."))
        .findFirst();
  }

  private static boolean isInternal(String packageName) {
    return packageName.endsWith(".internal") || packageName.contains(".internal.");
  }

  /**
   * No class uses another module's {@code ..internal..} package: a module's internals are reached
   * only through its own public entry points. Each module evaluates it over its own classes (the
   * targets of their dependencies need not be imported), so that together they cover every module
   * and none imports the others' classes again.
   */
  public static ArchRule internalsStayInTheirModule() {
    return classes()
        .should(
            new ArchCondition<JavaClass>("use no other module's internal package") {
              @Override
              public void check(JavaClass origin, ConditionEvents events) {
                Optional<String> own = moduleOf(origin.getPackageName());
                for (Dependency d : origin.getDirectDependenciesFromSelf()) {
                  String target = d.getTargetClass().getBaseComponentType().getPackageName();
                  Optional<String> module = moduleOf(target);
                  if (module.isPresent() && isInternal(target) && !module.equals(own)) {
                    events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                  }
                }
              }
            })
        .because("a module's internals change without notice; other modules use its public API");
  }

  /**
   * Main code depends on no test code: neither {@code testOnlyPackages} nor classes compiled from
   * tests.
   */
  public static ArchRule noTestCodeIn(String... testOnlyPackages) {
    return noClasses()
        .should()
        .dependOnClassesThat(resideInAnyPackage(testOnlyPackages).or(TEST_CLASS))
        .because("test libraries and fixtures are not on a user's class path");
  }

  /** {@link #TEST_LIBRARIES} and {@code more}. */
  public static String[] testLibrariesAnd(String... more) {
    String[] all = new String[TEST_LIBRARIES.length + more.length];
    System.arraycopy(TEST_LIBRARIES, 0, all, 0, TEST_LIBRARIES.length);
    System.arraycopy(more, 0, all, TEST_LIBRARIES.length, more.length);
    return all;
  }

  /**
   * A negative control: {@code rule} reports a violation for {@code fixtures}, which break it on
   * purpose.
   */
  public static void assertViolated(ArchRule rule, Class<?>... fixtures) {
    EvaluationResult result = rule.evaluate(new ClassFileImporter().importClasses(fixtures));
    assertThat(result.hasViolation())
        .as("the rule %s must fail for %s", rule.getDescription(), List.of(fixtures))
        .isTrue();
  }
}
