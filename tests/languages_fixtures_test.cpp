// The fixture tree of the misreads left by issue #8 (fixtures/languages), each a kind with its
// decoys: Ansible win_regedit of W32Time values; PowerShell splatting, case-insensitive
// variables, registry entries after Set-Location and <powershell> user data; a Go/Python
// variable bound to a setting lookup and given its default later; a document read as both JSON
// and YAML; a Helm ConfigMap's timesyncd NTP= line whose host is a template default. The table
// was written by reading each line: a source is reported by its specific rule at its level, a
// decoy (another key, another value, a removal, another setting's default, prose) by the
// catch-all at most, and one span once.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "fixture_tree.h"
#include "host/target.h"
#include "rules/rule.h"
#include "scan/inventory.h"
#include "scan/scan.h"

namespace {

using namespace ntpsweep;

const std::string kRoot = std::string(NTPSWEEP_SOURCE_DIR) + "/fixtures/languages";

using fixture_tree::Row;

std::string Rel(const Location& loc) {
  return fixture_tree::RelativeTo(kRoot, loc);
}

scan::ScanResult ScanLanguages() {
  return fixture_tree::Scan(kRoot);
}

const std::vector<Row> kExpected = {
    // 1. Ansible win_regedit: mapping (either order), free-form; decoys: another key, another
    // value of the W32Time key, state: absent.
    {"ansible/windows-time.yml", 5, "w32time-registry-ansible", "active", "error"},
    {"ansible/windows-time.yml", 9, "w32time-registry-ansible", "active", "error"},
    {"ansible/windows-time.yml", 13, "w32time-registry-ansible", "active", "error"},
    {"ansible/windows-time.yml", 18, "text-mention", "mention", "warning"},  // Tcpip NameServer
    {"ansible/windows-time.yml", 23, "text-mention", "mention", "warning"},  // Description
    {"ansible/windows-time.yml", 28, "text-mention", "mention", "warning"},  // state: absent
    // 2. PowerShell: splats (multi-line and one-line), decoys: a DNS splat, Set-Content @log.
    {"windows/splat.ps1", 4, "w32time-registry-powershell", "active", "error"},
    {"windows/splat.ps1", 7, "w32time-registry-powershell", "active", "error"},
    {"windows/splat.ps1", 9, "text-mention", "mention", "warning"},
    {"windows/splat.ps1", 11, "text-mention", "mention", "warning"},
    // Case-insensitive names: $NtpServer read as $ntpserver, $PEER as $peer; $Banner is prose.
    {"windows/case.ps1", 1, "shell-time-server-var", "active", "error"},
    {"windows/case.ps1", 2, "text-mention", "mention", "warning"},
    {"windows/case.ps1", 5, "shell-time-server-var", "active", "error"},
    // Every entry after Set-Location into DateTime\Servers; none after a move into Tcpip.
    {"windows/location.ps1", 2, "w32time-registry-powershell", "active", "error"},
    {"windows/location.ps1", 3, "w32time-registry-powershell", "active", "error"},
    {"windows/location.ps1", 4, "w32time-registry-powershell", "active", "error"},
    {"windows/location.ps1", 7, "w32time-registry-command", "active", "error"},
    {"windows/location.ps1", 9, "text-mention", "mention", "warning"},
    // EC2 user data: <powershell> blocks in a file and in a Terraform heredoc.
    {"cloud/user-data.txt", 2, "shell-time-server-var", "active", "error"},
    {"cloud/user-data.txt", 4, "w32time-registry-command", "active", "error"},
    {"cloud/user-data.txt", 5, "text-mention", "mention", "warning"},
    {"cloud/instance.tf", 5, "shell-time-daemon-command", "active", "error"},
    {"cloud/instance.tf", 6, "text-mention", "mention", "warning"},
    {"cloud/instance.tf", 9, "text-mention", "mention", "warning"},
    // 3. A variable bound to a setting lookup, its default given later; decoys: HTTPS_PROXY,
    // SYSLOG_HOST, SMTP_RELAY.
    {"go/cmd/timesync/main.go", 7, "code-default-time-server", "code-default", "error"},
    {"go/cmd/timesync/main.go", 11, "code-default-time-server", "code-default", "error"},
    {"go/cmd/timesync/main.go", 15, "text-mention", "mention", "warning"},
    {"go/cmd/timesync/main.go", 18, "text-mention", "mention", "warning"},
    {"python/agent/clock.py", 7, "code-default-time-server", "code-default", "error"},
    {"python/agent/clock.py", 10, "text-mention", "mention", "warning"},
    // 4. JSON read as YAML too (values.json, vars.yml.json) and YAML holding JSON: one finding
    // per span; the dns/log values are mentions.
    {"data/helm/values.json", 2, "json-time-server-key", "active", "warning"},
    {"data/helm/values.json", 3, "text-mention", "mention", "warning"},
    {"data/vars.yml.json", 1, "json-time-server-key", "active", "warning"},
    {"data/vars.yml.json", 1, "text-mention", "mention", "warning"},  // log_host
    {"data/agent.yaml", 1, "yaml-time-server-key", "active", "warning"},
    {"data/agent.yaml", 1, "text-mention", "mention", "warning"},  // log.host
    {"data/chrony-settings.json", 3, "json-time-server-key", "active", "warning"},
    {"data/chrony-settings.json", 5, "text-mention", "mention", "warning"},
    // 5. Helm: timesyncd in a ConfigMap template (a literal default, a literal) and in values;
    // decoys: prose, resolved.conf DNS=, a note.
    {"helm/chrono/templates/configmap.yaml", 8, "timesyncd-ntp", "template", "error"},
    {"helm/chrono/templates/configmap.yaml", 9, "timesyncd-ntp", "template", "error"},
    {"helm/chrono/templates/configmap.yaml", 11, "text-mention", "mention", "warning"},
    {"helm/chrono/templates/configmap.yaml", 14, "text-mention", "mention", "warning"},
    {"helm/chrono/values.yaml", 4, "timesyncd-ntp", "active", "error"},
    {"helm/chrono/values.yaml", 6, "text-mention", "mention", "warning"},
};

}  // namespace

TEST_CASE("languages fixtures: the misreads of issue 8 by exact row", "[languages]") {
  scan::ScanResult result = ScanLanguages();
  std::set<Row> got, want(kExpected.begin(), kExpected.end());
  std::multiset<std::tuple<std::string, int, int, std::string>> spans;
  for (const Finding& f : result.findings) {
    got.insert(Row{Rel(f.location), static_cast<int>(f.span.line), f.rule_id,
                   std::string(ActivityName(f.activity)), std::string(SeverityName(f.severity))});
    if (f.rule_id != "text-mention")
      spans.insert({Rel(f.location), static_cast<int>(f.span.line), static_cast<int>(f.span.column),
                    std::string(SeverityName(f.severity))});
  }
  for (const Row& r : want)
    if (!got.count(r))
      FAIL_CHECK("missing: " << r.file << ":" << r.line << " " << r.rule << " " << r.activity << " "
                             << r.level);
  for (const Row& r : got)
    if (!want.count(r))
      FAIL_CHECK("unexpected: " << r.file << ":" << r.line << " " << r.rule << " " << r.activity
                                << " " << r.level);
  CHECK(got.size() == want.size());
  CHECK(result.findings.size() == want.size());  // no row twice (one span, one finding)
  for (const auto& s : spans) {
    INFO(std::get<0>(s) << ":" << std::get<1>(s) << ":" << std::get<2>(s));
    CHECK(spans.count(s) == 1);
  }
}

TEST_CASE("languages fixtures: registry facts name the key and value they write", "[languages]") {
  scan::ScanResult result = ScanLanguages();
  auto directive = [&](const std::string& file, int line) -> std::string {
    for (const Finding& f : result.findings)
      if (Rel(f.location) == file && static_cast<int>(f.span.line) == line &&
          f.rule_id != "text-mention")
        return f.directive;
    return "";
  };
  CHECK(directive("windows/location.ps1", 3) ==
        "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\DateTime\\Servers.2");
  CHECK(directive("windows/splat.ps1", 4) ==
        "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters.NtpServer");
  CHECK(directive("ansible/windows-time.yml", 13) ==
        "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters.NtpServer");
  CHECK(directive("go/cmd/timesync/main.go", 7) == "NTP_SERVER");
  CHECK(directive("python/agent/clock.py", 7) == "NTP_SERVER");
}

TEST_CASE("languages fixtures: the inventory lists the sources these readings add",
          "[languages][inventory]") {
  const auto got = fixture_tree::InventorySources(kRoot);  // file, line, host
  for (const auto& want : std::vector<std::tuple<std::string, int, std::string>>{
           {"ansible/windows-time.yml", 5, "time.windows.com"},
           {"windows/splat.ps1", 7, "ntp-old.corp.example.com"},
           {"windows/location.ps1", 4, "2001:db8::123"},
           {"go/cmd/timesync/main.go", 7, "ntp-old.corp.example.com"},
           {"helm/chrono/templates/configmap.yaml", 8, "10.20.30.40"}})
    CHECK(got.count(want) == 1);
  for (const auto& [file, line, host] : got) {
    INFO(file << ":" << line << " " << host);
    CHECK(host != "0x9");
    CHECK(!(file == "ansible/windows-time.yml" && line > 14));
    CHECK(!(file == "go/cmd/timesync/main.go" && line > 12));
    CHECK(!(file == "windows/splat.ps1" && line > 8));
  }
}
