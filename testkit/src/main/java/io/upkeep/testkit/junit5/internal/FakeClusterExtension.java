package io.upkeep.testkit.junit5.internal;

import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.junit5.EnableFakeCluster;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Resolves {@link FakeCluster} parameters for {@link EnableFakeCluster}: one new cluster per
 * extension context, kept in that context's store so that a test and its {@code @BeforeEach}
 * methods share it. Not part of the public API. Thread-safe.
 */
public final class FakeClusterExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(FakeClusterExtension.class);

  /** Supports parameters of type {@link FakeCluster}. */
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == FakeCluster.class;
  }

  /** The context's cluster, made on first use with the seed of the nearest annotation. */
  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            FakeCluster.class,
            key -> FakeCluster.builder().seed(seed(context)).build(),
            FakeCluster.class);
  }

  /** The seed of the innermost annotation: on the method, its class, or an enclosing class. */
  private static long seed(ExtensionContext context) {
    for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
      Optional<EnableFakeCluster> found =
          AnnotationSupport.findAnnotation(c.getElement(), EnableFakeCluster.class);
      if (found.isPresent()) {
        return found.get().seed();
      }
    }
    return FakeCluster.DEFAULT_SEED;
  }
}
