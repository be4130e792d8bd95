package io.upkeep.testkit.junit5;

import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.junit5.internal.FakeClusterExtension;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives each test a fresh {@link FakeCluster}, with no nodes, as a parameter of the test method (or
 * of its {@code @BeforeEach} methods, which get the same one).
 *
 * <pre>{@code
 * @EnableFakeCluster(seed = 7)
 * class DrainTest {
 *   @Test
 *   void drainsOneNodeAtATime(FakeCluster cluster) {
 *     cluster.addNode(NodeSpec.builder("octo-1").build());
 *     ...
 *   }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(FakeClusterExtension.class)
public @interface EnableFakeCluster {

  /** The seed of the injected cluster; an annotation on the method wins over one on the class. */
  long seed() default FakeCluster.DEFAULT_SEED;
}
