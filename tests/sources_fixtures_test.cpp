// The fixture tree of issue #8, kinds 6 and 7 (fixtures/sources): commands and their argument
// arrays (one-shot clients, w32tm through a variable, W32Time registry writes in PowerShell, cmd
// and a UTF-16 .reg file, systemsetup; argv lists in Kubernetes, Ansible, TOML, Dockerfile exec
// form, a Docker image config) and defaults in program source (Go, Python, Ruby, TypeScript,
// Java, C, Rust, shell). The table was written by reading each line: a source is reported by its
// specific rule at its level; a decoy (a comment, a label, a proxy, a test, a doc, ping or curl
// of the server) by the catch-all at most.
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

const std::string kRoot = std::string(NTPSWEEP_SOURCE_DIR) + "/fixtures/sources";

using fixture_tree::Row;

std::string Rel(const Location& loc) {
  return fixture_tree::RelativeTo(kRoot, loc);
}

scan::ScanResult ScanSources() {
  return fixture_tree::Scan(kRoot);
}

const std::vector<Row> kExpected = {
    // Kind 6: commands as shell words.
    {"commands/sync-time.sh", 2, "shell-one-shot-sync", "active", "error"},
    {"commands/sync-time.sh", 3, "shell-one-shot-sync", "active", "error"},  // ntpdate -p 4 -t 2 H
    {"commands/sync-time.sh", 4, "shell-one-shot-sync", "active", "error"},
    {"commands/sync-time.sh", 5, "shell-one-shot-sync", "active", "error"},
    {"commands/sync-time.sh", 6, "shell-one-shot-sync", "active",
     "error"},                                                           // htpdate -t takes nothing
    {"commands/sync-time.sh", 7, "text-mention", "mention", "warning"},  // htpdate -P PROXY
    {"commands/sync-time.sh", 8, "chrony-source", "active", "error"},    // chronyd -q 'server H'
    {"commands/sync-time.sh", 9, "shell-one-shot-sync", "active", "error"},  // sh -c "ntpdate H"
    {"commands/sync-time.sh", 10, "shell-time-daemon-command", "active", "error"},
    {"commands/sync-time.sh", 11, "text-mention", "mention", "warning"},  // another host; ping
    {"commands/sync-time.sh", 12, "text-mention", "commented-out", "note"},
    {"commands/sync-time.sh", 13, "text-mention", "mention", "warning"},
    {"commands/sync-time.sh", 17, "shell-one-shot-sync", "active", "error"},  // set_clock HOST
    {"commands/sync-time.sh", 19, "text-mention", "mention", "warning"},      // log_line HOST
    // w32tm through a variable; registry writes.
    {"commands/windows/Set-Time.ps1", 1, "shell-time-server-var", "active", "error"},
    {"commands/windows/Set-Time.ps1", 2, "text-mention", "mention", "warning"},
    {"commands/windows/Set-Time.ps1", 5, "w32time-registry-command", "active", "error"},
    {"commands/windows/Set-Time.ps1", 6, "w32time-registry-command", "active", "error"},
    {"commands/windows/Set-Time.ps1", 8, "text-mention", "mention", "warning"},  // NameServer
    {"commands/windows/Set-Time.ps1", 14, "shell-time-daemon-command", "active",
     "error"},  // wrapper
    {"commands/windows/Set-Time.ps1", 16, "text-mention", "mention", "warning"},
    // PowerShell lexing: backtick continuations, <# #>, here-strings, '' and `" quoting, $env:.
    {"commands/windows/Configure-Clock.ps1", 2, "shell-time-server-var", "active", "error"},
    {"commands/windows/Configure-Clock.ps1", 8, "w32time-registry-command", "active", "error"},
    {"commands/windows/Configure-Clock.ps1", 10, "text-mention", "commented-out", "note"},
    {"commands/windows/Configure-Clock.ps1", 11, "text-mention", "mention", "warning"},  // prose
    {"commands/windows/Configure-Clock.ps1", 13, "shell-time-server-var", "active", "error"},
    {"commands/windows/Configure-Clock.ps1", 15, "text-mention", "mention", "warning"},
    {"commands/windows/Configure-Clock.ps1", 16, "text-mention", "mention", "warning"},
    {"commands/windows/Configure-Clock.ps1", 18, "chrony-source", "active", "error"},    // @" "@
    {"commands/windows/Configure-Clock.ps1", 23, "text-mention", "mention", "warning"},  // motd
    // By position, the path being where Set-Location went.
    {"commands/windows/Set-Location.ps1", 4, "w32time-registry-powershell", "active", "error"},
    {"commands/windows/Set-Location.ps1", 7, "w32time-registry-command", "active", "error"},
    {"commands/windows/Set-Location.ps1", 8, "text-mention", "mention", "warning"},   // Get-
    {"commands/windows/Set-Location.ps1", 10, "text-mention", "mention", "warning"},  // Tcpip
    {"commands/windows/time.cmd", 2, "shell-time-server-var", "active", "error"},
    {"commands/windows/time.cmd", 3, "text-mention", "mention", "warning"},
    {"commands/windows/time.cmd", 5, "w32time-registry-command", "active", "error"},
    {"commands/windows/time.cmd", 6, "text-mention", "mention", "warning"},
    {"commands/windows/time.reg", 4, "w32time-registry-file", "active", "error"},
    {"commands/windows/time.reg", 9, "w32time-registry-file", "active", "error"},
    {"commands/windows/time.reg", 13, "text-mention", "mention", "warning"},
    // Argument arrays.
    {"commands/k8s/job.yaml", 10, "shell-one-shot-sync", "active", "error"},  // command + args
    {"commands/k8s/job.yaml", 15, "shell-one-shot-sync", "active", "error"},  // sh -c in args
    {"commands/k8s/job.yaml", 18, "text-mention", "mention", "warning"},
    {"commands/ansible/windows.yml", 2, "shell-time-daemon-command", "active", "error"},
    {"commands/ansible/windows.yml", 6, "shell-time-daemon-command", "active", "error"},
    {"commands/ansible/windows.yml", 10, "text-mention", "mention", "warning"},  // ping
    {"commands/ansible/clock.yml", 3, "shell-one-shot-sync", "active", "error"},
    {"commands/ansible/clock.yml", 9, "shell-time-daemon-command", "active", "error"},
    {"commands/ansible/clock.yml", 12, "text-mention", "mention", "warning"},
    {"commands/agent/jobs.toml", 2, "shell-time-daemon-command", "active", "error"},
    {"commands/agent/jobs.toml", 4, "text-mention", "mention", "warning"},
    {"commands/docker/Dockerfile", 2, "shell-one-shot-sync", "active", "error"},
    {"commands/docker/Dockerfile", 3, "chrony-source", "active", "error"},
    {"commands/docker/Dockerfile", 4, "text-mention", "mention", "warning"},
    {"commands/docker/image-config.json", 5, "shell-one-shot-sync", "active", "error"},
    {"commands/docker/image-config.json", 6, "text-mention", "mention", "warning"},
    // Kind 7: defaults in program source.
    {"code/c/clock.c", 2, "code-default-time-server", "code-default", "error"},
    {"code/c/clock.c", 3, "code-default-time-server", "code-default", "error"},
    {"code/c/clock.c", 4, "text-mention", "mention", "warning"},
    {"code/c/clock.c", 5, "text-mention", "mention", "warning"},
    {"code/docs/defaults.md", 3, "text-mention", "mention", "warning"},
    {"code/go/clock/defaults.go", 4, "text-mention", "mention",
     "warning"},  // prose (issue 8 item 9)
    {"code/go/clock/defaults.go", 5, "code-default-time-server", "code-default", "error"},
    {"code/go/clock/defaults.go", 8, "code-default-time-server", "code-default", "error"},
    {"code/go/clock/defaults.go", 13, "text-mention", "mention", "warning"},  // ntpHostLabel
    {"code/go/clock/defaults.go", 14, "text-mention", "mention", "warning"},
    {"code/go/clock/defaults.go", 18, "code-default-time-server", "code-default", "error"},
    {"code/go/clock/defaults.go", 18, "text-mention", "mention",
     "warning"},  // DNS: in the same literal
    {"code/go/clock/defaults.go", 21, "text-mention", "mention", "warning"},
    {"code/go/clock/defaults_test.go", 4, "text-mention", "mention", "warning"},
    {"code/java/src/main/java/corp/Clock.java", 4, "code-default-time-server", "code-default",
     "error"},
    {"code/java/src/main/java/corp/Clock.java", 5, "code-default-time-server", "code-default",
     "error"},
    {"code/java/src/main/java/corp/Clock.java", 6, "text-mention", "mention", "warning"},
    {"code/java/src/main/java/corp/Clock.java", 7, "text-mention", "mention", "warning"},
    {"code/java/src/test/java/corp/ClockTest.java", 4, "text-mention", "mention", "warning"},
    // Settings named by a string, their default next (issue 8 item 7): flag/pflag/cobra,
    // argparse, click, getenv; decoys: other names, a usage text, a test.
    {"code/go/cmd/agent/flags.go", 6, "code-default-time-server", "code-default", "error"},
    {"code/go/cmd/agent/flags.go", 7, "text-mention", "mention", "warning"},  // log-host
    {"code/go/cmd/agent/flags.go", 11, "code-default-time-server", "code-default", "error"},
    {"code/go/cmd/agent/flags.go", 12, "code-default-time-server", "code-default", "error"},
    {"code/go/cmd/agent/flags.go", 13, "text-mention", "mention", "warning"},  // proxy
    {"code/go/cmd/agent/flags.go", 14, "text-mention", "mention", "warning"},  // usage text
    {"code/python/agent/cli.py", 7, "code-default-time-server", "code-default", "error"},
    {"code/python/agent/cli.py", 8, "text-mention", "mention", "warning"},
    {"code/python/agent/cli.py", 9, "code-default-time-server", "code-default", "error"},
    {"code/python/agent/cli.py", 10, "text-mention", "mention", "warning"},
    {"code/python/agent/cli.py", 13, "code-default-time-server", "code-default", "error"},
    {"code/python/agent/cli.py", 14, "text-mention", "mention", "warning"},
    // Nested maps: the key path is CONFIG.ntp.servers, config.time.server; dns and log are not.
    {"code/python/agent/cli.py", 19, "code-default-time-server", "code-default", "error"},
    {"code/python/agent/cli.py", 19, "text-mention", "mention", "warning"},
    {"code/python/agent/cli.py", 20, "code-default-time-server", "code-default", "error"},
    {"code/python/agent/cli.py", 20, "text-mention", "mention", "warning"},
    {"code/python/tests/test_cli.py", 2, "text-mention", "mention", "warning"},
    {"code/ruby/lib/clock_defaults.rb", 2, "code-default-time-server", "code-default", "error"},
    {"code/ruby/lib/clock_defaults.rb", 3, "text-mention", "mention", "warning"},
    {"code/ts/src/config.ts", 3, "code-default-time-server", "code-default", "error"},
    {"code/ts/src/config.ts", 5, "text-mention", "mention", "warning"},
    {"code/python/agent/settings.py", 1, "text-mention", "mention", "warning"},  // docstring
    {"code/python/agent/settings.py", 4, "code-default-time-server", "code-default", "error"},
    {"code/python/agent/settings.py", 5, "code-default-time-server", "code-default", "error"},
    {"code/python/agent/settings.py", 6, "text-mention", "commented-out", "note"},
    {"code/python/agent/settings.py", 7, "code-default-time-server", "code-default", "error"},
    {"code/python/agent/settings.py", 7, "text-mention", "mention", "warning"},
    {"code/python/agent/settings.py", 8, "text-mention", "mention", "warning"},
    {"code/python/tests/test_settings.py", 2, "text-mention", "mention", "warning"},
    {"code/ruby/lib/time_config.rb", 2, "code-default-time-server", "code-default", "error"},
    {"code/ruby/lib/time_config.rb", 3, "code-default-time-server", "code-default", "error"},
    {"code/ruby/lib/time_config.rb", 3, "text-mention", "mention", "warning"},
    {"code/ruby/lib/time_config.rb", 5, "text-mention", "mention", "warning"},  // heredoc body
    {"code/rust/src/time.rs", 1, "code-default-time-server", "code-default", "error"},
    {"code/rust/src/time.rs", 2, "code-default-time-server", "code-default", "error"},
    {"code/rust/src/time.rs", 3, "text-mention", "mention", "warning"},
    {"code/shell/defaults.sh", 2, "shell-ntp-named-var", "active", "warning"},
    {"code/shell/defaults.sh", 3, "text-mention", "mention", "warning"},
    {"code/ts/src/ntp.ts", 1, "text-mention", "mention", "warning"},  // prose
    {"code/ts/src/ntp.ts", 2, "code-default-time-server", "code-default", "error"},
    {"code/ts/src/ntp.ts", 3, "code-default-time-server", "code-default", "error"},
    {"code/ts/src/ntp.ts", 3, "text-mention", "mention", "warning"},
    {"code/ts/src/ntp.ts", 4, "text-mention", "mention", "warning"},  // ntpServerLabel
};

}  // namespace

TEST_CASE("sources fixtures: commands, argument arrays and code defaults by exact row",
          "[sources]") {
  scan::ScanResult result = ScanSources();
  std::set<Row> got, want(kExpected.begin(), kExpected.end());
  for (const Finding& f : result.findings)
    got.insert(Row{Rel(f.location), static_cast<int>(f.span.line), f.rule_id,
                   std::string(ActivityName(f.activity)), std::string(SeverityName(f.severity))});
  for (const Row& r : want)
    if (!got.count(r))
      FAIL_CHECK("missing: " << r.file << ":" << r.line << " " << r.rule << " " << r.activity << " "
                             << r.level);
  for (const Row& r : got)
    if (!want.count(r))
      FAIL_CHECK("unexpected: " << r.file << ":" << r.line << " " << r.rule << " " << r.activity
                                << " " << r.level);
  CHECK(got.size() == want.size());
}

TEST_CASE("sources fixtures: the host position is the argument, and the column says so",
          "[sources]") {
  scan::ScanResult result = ScanSources();
  auto find = [&](const std::string& file, int line) -> const Finding* {
    for (const Finding& f : result.findings)
      if (Rel(f.location) == file && static_cast<int>(f.span.line) == line &&
          f.rule_id != "text-mention")
        return &f;
    return nullptr;
  };
  const Finding* f = find("commands/sync-time.sh", 3);  // ntpdate -p 4 -t 2 HOST
  REQUIRE(f);
  CHECK(f->span.column == 19);
  f = find("commands/k8s/job.yaml", 10);  // args: ["-u", "HOST"]
  REQUIRE(f);
  CHECK(f->span.column == 25);
  f = find("commands/agent/jobs.toml", 2);
  REQUIRE(f);
  CHECK(f->matched == "10.20.30.40");
  CHECK(f->span.column == 49);
  f = find("commands/windows/time.reg", 9);  // UTF-16: columns in characters
  REQUIRE(f);
  CHECK(f->span.column == 6);
  f = find("code/go/clock/defaults.go", 8);
  REQUIRE(f);
  CHECK(f->directive == "fallbackNTPServers");
  f = find("code/python/agent/cli.py", 19);
  REQUIRE(f);
  CHECK(f->directive == "CONFIG.ntp.servers");
  f = find("code/go/cmd/agent/flags.go", 12);  // StringVarP: the default after the shorthand
  REQUIRE(f);
  CHECK(f->directive == "ntp-peer");
  CHECK(f->span.column == 58);
  f = find("commands/windows/Configure-Clock.ps1", 8);  // -Value after two continuations
  REQUIRE(f);
  CHECK(f->span.column == 13);
}

TEST_CASE("sources fixtures: the inventory lists commands, registry values and code defaults",
          "[sources][inventory]") {
  const auto got = fixture_tree::InventorySources(kRoot);  // file, line, host
  for (const auto& want : std::vector<std::tuple<std::string, int, std::string>>{
           {"commands/sync-time.sh", 3, "ntp-old.corp.example.com"},
           {"commands/sync-time.sh", 9, "ntp-old.corp.example.com"},
           {"commands/sync-time.sh", 17, "ntp-old.corp.example.com"},
           {"commands/windows/Set-Time.ps1", 14, "10.20.30.40"},
           {"commands/windows/Set-Time.ps1", 1, "time.windows.com"},
           {"commands/windows/time.reg", 10, "time.nist.gov"},
           {"commands/windows/Configure-Clock.ps1", 2, "time.windows.com"},
           {"commands/windows/Configure-Clock.ps1", 8, "10.20.30.40"},
           {"commands/windows/Configure-Clock.ps1", 18, "ntp-old.corp.example.com"},
           {"commands/windows/time.cmd", 5, "ntp-old.corp.example.com"},
           {"commands/k8s/job.yaml", 15, "ntp-old.corp.example.com"},
           {"commands/ansible/clock.yml", 9, "ntp-old.corp.example.com"},
           {"commands/agent/jobs.toml", 2, "10.20.30.40"},
           {"commands/docker/image-config.json", 5, "10.20.30.40"},
           {"code/go/clock/defaults.go", 9, "time.cloudflare.com"},
           {"code/java/src/main/java/corp/Clock.java", 4, "time.nist.gov"},
           {"code/ruby/lib/time_config.rb", 2, "time.google.com"},
           {"code/python/agent/settings.py", 4, "0.pool.ntp.org"}})
    CHECK(got.count(want) == 1);
  for (const auto& [file, line, host] : got) {
    INFO(file << ":" << line << " " << host);
    CHECK(host != "4");  // ntpdate -p 4
    CHECK(host != "0x8");
    CHECK(host != "0x9");
    CHECK(host != "10.20.30.40:3128");  // htpdate -P proxy
    CHECK(!file.starts_with("code/docs/"));
    CHECK(file.find("test") == std::string::npos);
    CHECK(!(file == "code/go/clock/defaults.go" && (line == 13 || line == 14)));
    CHECK(!(file == "commands/windows/time.reg" && line == 8));  // @="1"
    CHECK(!(file == "commands/k8s/job.yaml" && line == 18));
    CHECK(!(file == "commands/sync-time.sh" && line == 19));  // logger wrapper
  }
}
