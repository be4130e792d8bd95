package io.upkeep.jdbc;

import java.sql.SQLException;
import java.util.regex.Pattern;

/**
 * What the store makes of a driver's exceptions: which mean "try the transaction again", and how
 * their text is cleaned of credentials before it reaches a message or a log. Drivers echo a JDBC
 * URL in some messages ("No suitable driver found for jdbc:...;password=..."), and a URL may hold
 * the password.
 */
final class SqlErrors {

  private static final Pattern SECRET =
      Pattern.compile(
          "(?i)\\b(password|passwd|pwd)(\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^;&\\s,)}]*)");

  private SqlErrors() {}

  /**
   * Whether the transaction lost a race it can win by running again: a serialization failure
   * (40001, which SQL Server also gives a deadlock victim) or a PostgreSQL deadlock (40P01).
   */
  static boolean retryable(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      String state = x.getSQLState();
      if ("40001".equals(state) || "40P01".equals(state)) {
        return true;
      }
    }
    return false;
  }

  /** {@code text} with every password in it masked. */
  static String redact(String text) {
    return text == null ? null : SECRET.matcher(text).replaceAll("$1$2***");
  }

  /** Whether {@code t} or one of its causes has a password in its message. */
  static boolean holdsSecret(Throwable t) {
    for (Throwable x = t; x != null; x = x.getCause()) {
      String m = x.getMessage();
      if (m != null && !m.equals(redact(m))) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code t} itself if no message in its chain holds a password; otherwise a copy of the chain
   * with the same stack traces and masked messages, so that logging the cause leaks nothing.
   */
  static Throwable safe(Throwable t) {
    if (t == null || !holdsSecret(t)) {
      return t;
    }
    Throwable copy =
        new RedactedCause(
            t.getClass().getName() + ": " + redact(t.getMessage()), safe(t.getCause()));
    copy.setStackTrace(t.getStackTrace());
    return copy;
  }

  /** The driver's description of {@code e}, masked, with its SQLState. */
  static String describe(SQLException e) {
    StringBuilder out = new StringBuilder(String.valueOf(redact(e.getMessage())));
    SQLException next = e.getNextException();
    if (next != null && next != e) {
      out.append(" (").append(redact(next.getMessage())).append(')');
    }
    if (e.getSQLState() != null) {
      out.append(" [SQLState ").append(e.getSQLState()).append(']');
    }
    return out.toString();
  }

  /** A driver exception whose message held a password, with the password masked. */
  static final class RedactedCause extends Exception {
    RedactedCause(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
