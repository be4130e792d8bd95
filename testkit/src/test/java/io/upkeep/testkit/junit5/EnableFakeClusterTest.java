package io.upkeep.testkit.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.NodeSpec;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@EnableFakeCluster(seed = 7)
class EnableFakeClusterTest {

  private static final Set<FakeCluster> SEEN = Collections.newSetFromMap(new IdentityHashMap<>());

  private FakeCluster fromSetUp;

  @BeforeEach
  void setUp(FakeCluster cluster) {
    fromSetUp = cluster;
    cluster.addNode(NodeSpec.builder("octo-1").build());
  }

  @Test
  void injectsTheClusterOfTheSetUpWithTheSeedOfTheClass(FakeCluster cluster) {
    assertThat(cluster).isSameAs(fromSetUp);
    assertThat(cluster.seed()).isEqualTo(7);
    assertThat(cluster.observe().nodes()).hasSize(1);
    assertThat(SEEN.add(cluster)).as("a fresh cluster for each test").isTrue();
  }

  @Test
  @EnableFakeCluster(seed = 11)
  void takesTheSeedOfTheMethodOverThatOfTheClass(FakeCluster cluster) {
    assertThat(cluster.seed()).isEqualTo(11);
    assertThat(SEEN.add(cluster)).as("a fresh cluster for each test").isTrue();
  }

  @Nested
  class InANestedClass {

    @Test
    void takesTheSeedOfTheEnclosingClass(FakeCluster cluster) {
      assertThat(cluster.seed()).isEqualTo(7);
      assertThat(cluster.events()).isEmpty();
      assertThat(SEEN.add(cluster)).as("a fresh cluster for each test").isTrue();
    }
  }
}
