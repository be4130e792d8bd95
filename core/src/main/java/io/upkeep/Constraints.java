package io.upkeep;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The safety rules a target system imposes, in generic terms so that core needs no vendor
 * knowledge. Adapters produce them from what they know of their system; the planner and the
 * executor enforce them. Immutable and thread-safe.
 *
 * @param budgets per role, the most nodes the system itself tolerates out of service at once; roles
 *     not listed are limited by the policy alone
 * @param quorumRoles roles whose voters form a quorum: healthy voters must never drop below a
 *     majority
 * @param roleOrder roles in the order they must be upgraded (servers before clients); roles not
 *     listed come after, in the order they appear
 * @param leaderLast whether the leader of a quorum role is upgraded after every other node of its
 *     role
 * @param skew the supported product version moves
 * @param minimumCapacity the least sum of task caps that in-service nodes must keep; 0 for none
 */
public record Constraints(
    Map<Role, Budget> budgets,
    Set<Role> quorumRoles,
    List<Role> roleOrder,
    boolean leaderLast,
    VersionSkew skew,
    int minimumCapacity) {

  /** No rule beyond "no downgrade". */
  public static final Constraints NONE =
      new Constraints(Map.of(), Set.of(), List.of(), false, VersionSkew.ANY_FORWARD, 0);

  /**
   * @throws NullPointerException if any reference is null
   * @throws IllegalArgumentException if {@code minimumCapacity} is negative
   */
  public Constraints {
    budgets = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(budgets));
    quorumRoles = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(quorumRoles));
    roleOrder = List.copyOf(roleOrder);
    Objects.requireNonNull(skew, "skew");
    if (minimumCapacity < 0) {
      throw new IllegalArgumentException(
          "minimumCapacity must be 0 or more, got " + minimumCapacity);
    }
  }

  /** A copy with {@code role} limited to {@code budget} nodes out of service at once. */
  public Constraints withBudget(Role role, Budget budget) {
    Map<Role, Budget> m = new java.util.HashMap<>(budgets);
    m.put(role, budget);
    return new Constraints(m, quorumRoles, roleOrder, leaderLast, skew, minimumCapacity);
  }

  /** A copy where {@code role}'s voters form a quorum and its leader goes last. */
  public Constraints withQuorum(Role role) {
    Set<Role> q = new java.util.HashSet<>(quorumRoles);
    q.add(role);
    return new Constraints(budgets, q, roleOrder, true, skew, minimumCapacity);
  }

  /** A copy that upgrades roles in {@code order}. */
  public Constraints withRoleOrder(Role... order) {
    return new Constraints(budgets, quorumRoles, List.of(order), leaderLast, skew, minimumCapacity);
  }

  /** A copy with {@code newSkew}. */
  public Constraints withSkew(VersionSkew newSkew) {
    return new Constraints(budgets, quorumRoles, roleOrder, leaderLast, newSkew, minimumCapacity);
  }

  /** A copy that keeps at least {@code capacity} task slots in service. */
  public Constraints withMinimumCapacity(int capacity) {
    return new Constraints(budgets, quorumRoles, roleOrder, leaderLast, skew, capacity);
  }

  /** How many voters of a group of {@code voters} must stay healthy: a strict majority. */
  public static int quorum(int voters) {
    return voters / 2 + 1;
  }
}
