package io.upkeep;

import java.util.List;

/** Thrown when a node named by the caller or a policy is not a member of the cluster. */
public class UnknownNodeException extends UpkeepException {

  private final NodeId node;

  /** For {@code node}, listing the {@code known} ids so the caller can correct the name. */
  public UnknownNodeException(NodeId node, List<NodeId> known) {
    super(
        "unknown node '"
            + node
            + "': the cluster has "
            + describe(known)
            + "; check the name (ids are case-sensitive) or observe the cluster again");
    this.node = node;
  }

  /** For {@code node}, when the system only said it does not know it. */
  public UnknownNodeException(NodeId node, String detail) {
    super("unknown node '" + node + "': " + detail);
    this.node = node;
  }

  /** The node that was not found. */
  public NodeId node() {
    return node;
  }

  private static String describe(List<NodeId> known) {
    if (known.isEmpty()) {
      return "no nodes";
    }
    List<NodeId> shown = known.size() > 10 ? known.subList(0, 10) : known;
    return shown + (known.size() > 10 ? " and " + (known.size() - 10) + " more" : "");
  }
}
