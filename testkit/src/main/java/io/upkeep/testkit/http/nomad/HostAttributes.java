package io.upkeep.testkit.http.nomad;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The host attributes a real Nomad client fingerprints, worked out from the operating system a
 * {@link io.upkeep.testkit.FakeCluster} node runs as a test writes it ({@code Ubuntu 22.04}, {@code
 * Windows Server 2022}).
 *
 * <p>Nomad's host fingerprinter ({@code client/fingerprint/host.go}) takes gopsutil's {@code
 * host.Info()}: {@code os.name} is its {@code Platform}, {@code os.version} its {@code
 * PlatformVersion}, {@code kernel.name} Go's {@code GOOS}, {@code kernel.version} and {@code
 * kernel.arch} the kernel's; on Windows {@code PlatformVersion} is split at {@code Build} into
 * {@code os.version} and {@code os.build}, and there is no {@code kernel.version}. gopsutil's
 * {@code Platform} on Linux is the distribution's lower-case ID ({@code ubuntu}, {@code debian},
 * {@code redhat}, {@code rocky}, {@code amazon}, ..., else the {@code ID} of {@code
 * /etc/os-release}), on macOS {@code darwin}, on Windows the registry's {@code ProductName} with
 * {@code Microsoft } in front ({@code Microsoft Windows Server 2022 Datacenter}). The
 * documentation's examples agree: {@code attr.os.name} is {@code ubuntu}, {@code windows}, {@code
 * darwin}; {@code attr.kernel.name} is {@code linux}, {@code darwin}
 * (https://developer.hashicorp.com/nomad/docs/runtime/interpolation).
 */
final class HostAttributes {

  private HostAttributes() {}

  /**
   * A distribution: the names a test may write, gopsutil's platform ID, and its kernels by major
   * version.
   */
  private record Distro(
      List<String> names, String id, Map<String, String> kernels, String kernel) {}

  private static final List<Distro> DISTROS =
      List.of(
          new Distro(
              List.of("Ubuntu"),
              "ubuntu",
              Map.of(
                  "18",
                  "4.15.0-213-generic",
                  "20",
                  "5.4.0-190-generic",
                  "22",
                  "5.15.0-119-generic",
                  "24",
                  "6.8.0-45-generic"),
              "6.8.0-45-generic"),
          new Distro(
              List.of("Debian"),
              "debian",
              Map.of("10", "4.19.0-27-amd64", "11", "5.10.0-32-amd64", "12", "6.1.0-25-amd64"),
              "6.1.0-25-amd64"),
          new Distro(
              List.of("Red Hat Enterprise Linux", "RHEL", "Red Hat"),
              "redhat",
              Map.of("8", "4.18.0-553.el8_10.x86_64", "9", "5.14.0-427.13.1.el9_4.x86_64"),
              "5.14.0-427.13.1.el9_4.x86_64"),
          new Distro(
              List.of("CentOS"),
              "centos",
              Map.of(
                  "7",
                  "3.10.0-1160.el7.x86_64",
                  "8",
                  "4.18.0-348.el8.x86_64",
                  "9",
                  "5.14.0-427.el9.x86_64"),
              "5.14.0-427.el9.x86_64"),
          new Distro(
              List.of("Rocky Linux", "Rocky"),
              "rocky",
              Map.of("8", "4.18.0-553.el8_10.x86_64", "9", "5.14.0-427.13.1.el9_4.x86_64"),
              "5.14.0-427.13.1.el9_4.x86_64"),
          new Distro(
              List.of("AlmaLinux", "Alma Linux"),
              "almalinux",
              Map.of("8", "4.18.0-553.el8_10.x86_64", "9", "5.14.0-427.13.1.el9_4.x86_64"),
              "5.14.0-427.13.1.el9_4.x86_64"),
          new Distro(List.of("Oracle Linux"), "oracle", Map.of(), "5.15.0-208.159.3.el9uek.x86_64"),
          new Distro(List.of("Fedora"), "fedora", Map.of(), "6.8.5-301.fc40.x86_64"),
          new Distro(
              List.of("Amazon Linux"),
              "amazon",
              Map.of(
                  "2", "4.14.350-266.564.amzn2.x86_64", "2023", "6.1.109-118.189.amzn2023.x86_64"),
              "6.1.109-118.189.amzn2023.x86_64"),
          new Distro(List.of("Alpine Linux", "Alpine"), "alpine", Map.of(), "6.6.31-0-lts"),
          new Distro(List.of("Arch Linux", "Arch"), "arch", Map.of(), "6.9.7-arch1-1"),
          new Distro(List.of("Linux Mint"), "linuxmint", Map.of(), "5.15.0-119-generic"));

  /**
   * Windows Server releases and their {@code CurrentBuildNumber}, for {@code os.version} and {@code
   * os.build}.
   */
  private static final Map<String, String> WINDOWS_BUILDS =
      Map.of("2016", "14393", "2019", "17763", "2022", "20348", "2025", "26100");

  private static final String WINDOWS_REVISION = "2700";
  private static final List<String> WINDOWS_EDITIONS =
      List.of("Datacenter", "Standard", "Essentials");

  /**
   * The host attributes of a client whose operating system reads {@code os} in the cluster. An
   * empty {@code os} gives empty {@code os.name} and {@code os.version}.
   */
  static Map<String, String> of(String os, String hostname) {
    String text = os.strip().replaceAll("\\s+", " ");
    Map<String, String> a = new LinkedHashMap<>();
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("windows") || lower.startsWith("microsoft windows")) {
      windows(text, a);
    } else if (lower.equals("macos") || lower.startsWith("macos ") || lower.startsWith("darwin")) {
      String version = text.indexOf(' ') < 0 ? "14.6.1" : text.substring(text.indexOf(' ') + 1);
      a.put("cpu.arch", "arm64");
      a.put("kernel.arch", "arm64");
      a.put("kernel.name", "darwin");
      a.put("kernel.version", darwinKernel(version));
      a.put("os.name", "darwin");
      a.put("os.version", version);
    } else {
      linux(text, a);
    }
    a.put("unique.hostname", hostname);
    return a;
  }

  private static void linux(String text, Map<String, String> a) {
    String id;
    String version;
    String kernel;
    Distro d = null;
    String matched = "";
    for (Distro candidate : DISTROS) {
      for (String name : candidate.names()) {
        boolean starts =
            text.regionMatches(true, 0, name, 0, name.length())
                && (text.length() == name.length() || text.charAt(name.length()) == ' ');
        if (starts && name.length() > matched.length()) {
          d = candidate;
          matched = name;
        }
      }
    }
    if (d != null) {
      id = d.id();
      version = text.substring(matched.length()).strip().replaceFirst("(?i)\\s*LTS$", "");
      String major = version.split("\\.", 2)[0];
      kernel = d.kernels().getOrDefault(major, d.kernel());
    } else {
      // Not a distribution gopsutil names itself: /etc/os-release's ID, which is lower case.
      int sp = text.lastIndexOf(' ');
      boolean versioned = sp > 0 && text.substring(sp + 1).chars().anyMatch(Character::isDigit);
      id = (versioned ? text.substring(0, sp) : text).toLowerCase(Locale.ROOT).replace(" ", "");
      version = versioned ? text.substring(sp + 1) : "";
      kernel = "6.1.0-25-amd64";
    }
    a.put("cpu.arch", "amd64");
    a.put("kernel.arch", "x86_64");
    a.put("kernel.name", "linux");
    a.put("kernel.version", kernel);
    a.put("os.name", id);
    a.put("os.version", version);
  }

  private static void windows(String text, Map<String, String> a) {
    String bare = text.regionMatches(true, 0, "Microsoft ", 0, 10) ? text.substring(10) : text;
    String product = "Windows" + bare.substring("windows".length());
    boolean edition =
        WINDOWS_EDITIONS.stream()
            .anyMatch(
                e -> text.toLowerCase(Locale.ROOT).contains(" " + e.toLowerCase(Locale.ROOT)));
    // ProductName always names the edition; a test that does not gets Datacenter.
    String name =
        "Microsoft " + product + (edition || !product.contains("Server") ? "" : " Datacenter");
    String build =
        WINDOWS_BUILDS.entrySet().stream()
                .filter(e -> product.contains(" " + e.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse("20348")
            + "."
            + WINDOWS_REVISION;
    a.put("cpu.arch", "amd64");
    a.put("kernel.arch", "x86_64");
    a.put("kernel.name", "windows");
    a.put("os.build", build);
    a.put("os.name", name);
    a.put("os.version", "10.0." + build);
  }

  /** macOS N runs Darwin N+9 (macOS 14 Sonoma is Darwin 23). */
  private static String darwinKernel(String macos) {
    try {
      return (Integer.parseInt(macos.split("\\.", 2)[0]) + 9) + ".6.0";
    } catch (NumberFormatException e) {
      return "23.6.0";
    }
  }
}
