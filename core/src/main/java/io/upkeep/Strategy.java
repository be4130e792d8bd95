package io.upkeep;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Objects;

/**
 * How nodes are moved to the target: patched where they stand, replaced one by one by new nodes, or
 * cloned onto a new host. A closed set; see the three records.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Strategy.InPlace.class, name = "in-place"),
  @JsonSubTypes.Type(value = Strategy.RollingReplace.class, name = "rolling-replace"),
  @JsonSubTypes.Type(value = Strategy.CloneAndMigrate.class, name = "clone-and-migrate")
})
public sealed interface Strategy {

  /** Patch each node where it stands; see {@link InPlace}. */
  static Strategy inPlace() {
    return new InPlace();
  }

  /** Replace each node by a new one named {@code <old>-next}; see {@link RollingReplace}. */
  static Strategy rollingReplace() {
    return new RollingReplace("-next");
  }

  /** Clone the instance onto a new host named {@code <old>-clone}; see {@link CloneAndMigrate}. */
  static Strategy cloneAndMigrate(boolean addressChanges) {
    return new CloneAndMigrate("-clone", addressChanges);
  }

  /**
   * Per node, in a sliding window within the budget: stop new work (drain) -> wait until idle or
   * the deadline -> snapshot -> stop the service -> upgrade -> start -> verify (health, version,
   * probes, settle) -> take work again. A single-node cluster uses cluster-wide maintenance mode
   * instead, which is downtime: the planner refuses it unless the policy allows downtime.
   */
  record InPlace() implements Strategy {}

  /**
   * Per old node: provision a new node on the target platform -> it joins taking no work (task cap
   * 0) -> verify it directly -> admit it gradually (traffic ramp and task-cap ramp, each step
   * gated) -> drain the old node -> wait until idle -> stop it -> remove it from the cluster ->
   * decommission its host. Capacity never drops below the original.
   *
   * @param newNodeSuffix appended to an old node's id to name its replacement
   */
  record RollingReplace(String newNodeSuffix) implements Strategy {
    /**
     * @throws IllegalArgumentException if the suffix is blank
     */
    public RollingReplace {
      Objects.requireNonNull(newNodeSuffix, "newNodeSuffix");
      if (newNodeSuffix.isBlank()) {
        throw new IllegalArgumentException(
            "newNodeSuffix must not be blank: new nodes need their own names");
      }
    }
  }

  /**
   * For a single instance: quiesce the source (maintenance mode, wait idle, stop) -> provision a
   * clone at the <em>same</em> product version against the same database -> copy the state folders
   * -> start -> verify -> leave maintenance -> cut over -> keep the source stopped until the
   * operator confirms -> remove and decommission the source. The source is down from quiesce to
   * cut-over, so the planner refuses it unless the policy allows downtime.
   *
   * @param cloneSuffix appended to the source's id to name the clone
   * @param addressChanges whether clients reach the clone at a different address (DNS name); agents
   *     bound to the old address (Octopus polling Tentacles) must then be re-registered
   */
  record CloneAndMigrate(String cloneSuffix, boolean addressChanges) implements Strategy {
    /**
     * @throws IllegalArgumentException if the suffix is blank
     */
    public CloneAndMigrate {
      Objects.requireNonNull(cloneSuffix, "cloneSuffix");
      if (cloneSuffix.isBlank()) {
        throw new IllegalArgumentException(
            "cloneSuffix must not be blank: the clone needs its own name");
      }
    }
  }
}
