package io.upkeep.nomad;

import io.upkeep.UpgradeTarget;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the adapter names an operating system, so that what a client reports compares equal to what a
 * user writes in {@code UpgradeTarget.os(...)}. Core compares platforms exactly ({@code Platform}
 * is a record, and a step is verified when the node's platform equals the planned one), so the
 * adapter settles on one spelling and brings both sides to it. Stateless and thread-safe.
 *
 * <p>Nomad reports a client's OS in its {@code os.name} and {@code os.version} attributes, which
 * are gopsutil's platform and platform version ({@code client/fingerprint/host.go} in Nomad; the
 * documentation's examples of {@code attr.os.name} are {@code ubuntu}, {@code windows}, {@code
 * darwin}, https://developer.hashicorp.com/nomad/docs/runtime/interpolation). The adapter shows
 * them as {@link #displayName}:
 *
 * <table>
 *   <caption>Nomad's {@code os.name} and the name the adapter shows</caption>
 *   <tr><th>{@code os.name}</th><th>shown as</th><th>also accepted in targets</th></tr>
 *   <tr><td>{@code ubuntu}</td><td>{@code Ubuntu}</td><td></td></tr>
 *   <tr><td>{@code debian}</td><td>{@code Debian}</td><td></td></tr>
 *   <tr><td>{@code redhat}</td><td>{@code RHEL}</td><td>{@code Red Hat Enterprise Linux}, {@code Red Hat}</td></tr>
 *   <tr><td>{@code centos}</td><td>{@code CentOS}</td><td></td></tr>
 *   <tr><td>{@code rocky}</td><td>{@code Rocky Linux}</td><td>{@code Rocky}</td></tr>
 *   <tr><td>{@code almalinux}</td><td>{@code AlmaLinux}</td><td>{@code Alma Linux}</td></tr>
 *   <tr><td>{@code oracle}</td><td>{@code Oracle Linux}</td><td></td></tr>
 *   <tr><td>{@code fedora}</td><td>{@code Fedora}</td><td></td></tr>
 *   <tr><td>{@code amazon}</td><td>{@code Amazon Linux}</td><td></td></tr>
 *   <tr><td>{@code alpine}</td><td>{@code Alpine Linux}</td><td>{@code Alpine}</td></tr>
 *   <tr><td>{@code arch}</td><td>{@code Arch Linux}</td><td>{@code Arch}</td></tr>
 *   <tr><td>{@code linuxmint}</td><td>{@code Linux Mint}</td><td></td></tr>
 *   <tr><td>{@code opensuse-leap}</td><td>{@code openSUSE Leap}</td><td></td></tr>
 *   <tr><td>{@code sles}</td><td>{@code SLES}</td><td>{@code SUSE Linux Enterprise Server}</td></tr>
 *   <tr><td>{@code darwin}</td><td>{@code macOS}</td><td>{@code Mac OS X}, {@code OS X}</td></tr>
 *   <tr><td>{@code Microsoft Windows Server 2022 Datacenter}</td><td>{@code Windows Server 2022}</td>
 *       <td>any edition, with or without {@code Microsoft}</td></tr>
 * </table>
 *
 * <p>followed by a space and {@code os.version} ({@code Ubuntu 22.04}). Windows is the exception:
 * its {@code os.name} already names the release, and its {@code os.version} is a build number
 * ({@code 10.0.20348.2700}), so the adapter shows the release without the edition ({@code Windows
 * Server 2022}, {@code Windows Server 2012 R2}, {@code Windows 11}). An {@code os.name} the table
 * does not know (gopsutil then reports {@code /etc/os-release}'s lower-case {@code ID}) is shown as
 * reported.
 *
 * <p>{@link #normalise(String)} brings what a user writes to the same spelling: names are matched
 * without regard to case or repeated spaces, the aliases above are accepted, a trailing {@code LTS}
 * is dropped, and a name the table does not know is lower-cased, as gopsutil's IDs are. So {@code
 * ubuntu 24.04}, {@code UBUNTU 24.04} and {@code Ubuntu 24.04 LTS} all read {@code Ubuntu 24.04}.
 * {@link NomadProcedures#plan} normalises the target's OS and {@link NomadClusterPort} normalises
 * {@link NomadConfig#serverOs}; a plan made without {@code NomadProcedures} should take its target
 * through {@link #normalise(UpgradeTarget)}.
 *
 * <p>The version is compared as Nomad reports it: gopsutil's Ubuntu version is {@code 22.04} (no
 * point release), Debian's is {@code /etc/debian_version} ({@code 12.5}), the Red Hat family's the
 * release in {@code /etc/redhat-release} ({@code 9.4}); write targets to the same precision.
 */
public final class NomadOs {

  private NomadOs() {}

  private record Distro(String id, String display, List<String> aliases) {}

  private static final List<Distro> DISTROS =
      List.of(
          new Distro("ubuntu", "Ubuntu", List.of()),
          new Distro("debian", "Debian", List.of()),
          new Distro("redhat", "RHEL", List.of("Red Hat Enterprise Linux", "Red Hat")),
          new Distro("centos", "CentOS", List.of()),
          new Distro("rocky", "Rocky Linux", List.of("Rocky")),
          new Distro("almalinux", "AlmaLinux", List.of("Alma Linux")),
          new Distro("oracle", "Oracle Linux", List.of()),
          new Distro("fedora", "Fedora", List.of()),
          new Distro("amazon", "Amazon Linux", List.of()),
          new Distro("alpine", "Alpine Linux", List.of("Alpine")),
          new Distro("arch", "Arch Linux", List.of("Arch")),
          new Distro("linuxmint", "Linux Mint", List.of()),
          new Distro("opensuse-leap", "openSUSE Leap", List.of()),
          new Distro("sles", "SLES", List.of("SUSE Linux Enterprise Server")),
          new Distro("darwin", "macOS", List.of("Mac OS X", "OS X")));

  /** {@code [Microsoft] Windows [Server] <release> [R2] [edition...]}. */
  private static final Pattern WINDOWS =
      Pattern.compile("(?i)^(?:microsoft\\s+)?windows(\\s+server)?\\s+(\\d+(?:\\s+r2)?)\\b.*$");

  /**
   * The name the adapter shows for a client whose {@code os.name} and {@code os.version} attributes
   * are {@code osName} and {@code osVersion} (either may be null or empty); see the class
   * description. {@link NomadConfig#UNKNOWN_OS} when Nomad reports no {@code os.name}.
   */
  public static String displayName(String osName, String osVersion) {
    String name = osName == null ? "" : osName.strip();
    String version = osVersion == null ? "" : osVersion.strip();
    if (name.isEmpty()) {
      return NomadConfig.UNKNOWN_OS;
    }
    String windows = windows(name);
    if (windows != null) {
      return windows;
    }
    for (Distro d : DISTROS) {
      if (d.id().equals(name)) {
        return version.isEmpty() ? d.display() : d.display() + " " + version;
      }
    }
    return version.isEmpty() ? name : name + " " + version;
  }

  /**
   * {@code os} as a user wrote it, in the spelling {@link #displayName} gives the same operating
   * system; see the class description. A blank {@code os} is returned as it is.
   */
  public static String normalise(String os) {
    Objects.requireNonNull(os, "os");
    String text = os.strip().replaceAll("\\s+", " ");
    if (text.isEmpty()) {
      return os;
    }
    String windows = windows(text);
    if (windows != null) {
      return windows;
    }
    Distro best = null;
    int matched = 0;
    for (Distro d : DISTROS) {
      for (String name : names(d)) {
        boolean starts =
            text.regionMatches(true, 0, name, 0, name.length())
                && (text.length() == name.length() || text.charAt(name.length()) == ' ');
        if (starts && name.length() > matched) {
          best = d;
          matched = name.length();
        }
      }
    }
    if (best == null) {
      return text.toLowerCase(Locale.ROOT);
    }
    String version = text.substring(matched).strip().replaceFirst("(?i)(^|\\s+)LTS$", "");
    return version.isEmpty() ? best.display() : best.display() + " " + version;
  }

  /**
   * {@code target} with its operating system {@link #normalise(String) normalised}; the rest as it
   * is.
   */
  public static UpgradeTarget normalise(UpgradeTarget target) {
    Objects.requireNonNull(target, "target");
    return target.os().isEmpty()
        ? target
        : new UpgradeTarget(
            target.os().map(NomadOs::normalise), target.runtime(), target.product());
  }

  private static List<String> names(Distro d) {
    List<String> out = new java.util.ArrayList<>(d.aliases());
    out.add(d.display());
    out.add(d.id());
    return out;
  }

  /** {@code Windows [Server] <release>} for any spelling of a Windows product name, or null. */
  private static String windows(String text) {
    Matcher m = WINDOWS.matcher(text.strip());
    if (!m.matches()) {
      return null;
    }
    String release = m.group(2).replaceAll("(?i)\\s+r2", " R2");
    return "Windows " + (m.group(1) != null ? "Server " : "") + release;
  }
}
