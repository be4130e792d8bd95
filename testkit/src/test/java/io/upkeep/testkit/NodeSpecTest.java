package io.upkeep.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.TaskCap;
import java.lang.reflect.Modifier;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeSpec} can gain settings without breaking test suites built against it: a final class
 * without public constructors, built only through its builder, with value equality; and the builder
 * keeps its checks.
 */
class NodeSpecTest {

  private static NodeSpec everySettingChanged() {
    return NodeSpec.builder("server-1")
        .role("server")
        .platform(Platform.of("ubuntu", "glibc 2.35", "1.7.7"))
        .taskCap(TaskCap.UNLIMITED)
        .leader(true)
        .runsWork(false)
        .drained(true)
        .upgradeDuration(Duration.ofMinutes(3))
        .duration(HostOperation.STOP_SERVICE, Duration.ofSeconds(20))
        .build();
  }

  @Test
  void isAFinalClassWithoutPublicConstructors() {
    assertThat(NodeSpec.class.isRecord()).isFalse();
    assertThat(Modifier.isFinal(NodeSpec.class.getModifiers())).isTrue();
    assertThat(NodeSpec.class.getConstructors()).isEmpty();
  }

  @Test
  void toBuilderBuildsAnEqualSpec() {
    NodeSpec s = everySettingChanged();
    NodeSpec worker = NodeSpec.builder("octo-1").runningTask(Duration.ofMinutes(5)).build();

    assertThat(s.toBuilder().build()).isEqualTo(s).hasSameHashCodeAs(s).hasToString(s.toString());
    assertThat(worker.toBuilder().build()).isEqualTo(worker);
    assertThat(worker.toBuilder().runningTask(Duration.ofMinutes(1)).build().runningTasks())
        .hasSize(2);
    assertThat(worker.runningTasks()).hasSize(1);
  }

  @Test
  void isEqualWhenEverySettingIs() {
    assertThat(everySettingChanged())
        .isEqualTo(everySettingChanged())
        .hasSameHashCodeAs(everySettingChanged())
        .isNotEqualTo(everySettingChanged().toBuilder().drained(false).build())
        .isNotEqualTo(
            everySettingChanged().toBuilder().upgradeDuration(Duration.ofMinutes(4)).build())
        .isNotEqualTo(null);
    assertThat(everySettingChanged().toString())
        .startsWith("NodeSpec[id=server-1, role=server, platform=");
  }

  @Test
  void keepsItsDefaultsAndChecks() {
    NodeSpec s = NodeSpec.builder("octo-1").build();

    assertThat(s.id()).isEqualTo(NodeId.of("octo-1"));
    assertThat(s.role()).isEqualTo(NodeSpec.DEFAULT_ROLE).isEqualTo(Role.of("node"));
    assertThat(s.taskCap()).isEqualTo(NodeSpec.DEFAULT_TASK_CAP);
    assertThat(s.runsWork()).isTrue();
    assertThatIllegalArgumentException()
        .isThrownBy(() -> NodeSpec.builder("s").leader(true).voter(false).build())
        .withMessageContaining("leader but not a voter");
    assertThatIllegalArgumentException()
        .isThrownBy(
            () -> NodeSpec.builder("s").runsWork(false).runningTask(Duration.ofMinutes(1)).build())
        .withMessageContaining("runs no work");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> NodeSpec.builder("s").runningTask(Duration.ofSeconds(-1)).build())
        .withMessageContaining("must not be negative");
  }
}
