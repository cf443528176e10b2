// The gate changes what is read, never what is found: `scan` and `inventory` give the same
// results with the prefilter as with --no-prefilter (every reader on every file it applies to),
// over the project's fixtures and, when present, the real-world corpus.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;
using Json = nlohmann::json;

// Addresses, ranges and names the fixtures and the corpus use; short labels as rare as real
// servers' ("ntp1"), so the gate has files to spare.
const std::vector<std::string> kHosts = {"10.20.30.40",
                                         "ntp-old.corp.example.com",
                                         "10.0.0.1",
                                         "ntp1.corp.example.com",
                                         "fd00::123",
                                         "172.16.0.0/12",
                                         "192.0.2.0/24",
                                         "2001:db8::/32",
                                         "10.1.1.20",
                                         "169.254.169.123",
                                         "ntp.corp.example.com"};

Json Run(std::vector<std::string> args) {
  RunResult r = RunNtpsweep(args);
  INFO(r.err);
  REQUIRE(r.exit_code != 2);
  return Json::parse(r.out);
}

// `must_run`: rules whose findings the gate must not hide (new readers and rules register here).
void Compare(const std::string& dir, const std::vector<std::string>& must_run = {}) {
  std::vector<std::string> scan = {"scan", "--format", "json", "-q", dir};
  for (const std::string& h : kHosts) scan.insert(scan.end(), {"--host", h});
  Json gated = Run(scan);
  scan.push_back("--no-prefilter");
  Json full = Run(scan);
  CHECK(gated["findings"].size() > 0);
  CHECK(gated["findings"] == full["findings"]);
  for (const std::string& rule : must_run) {
    bool found = false;
    for (const Json& f : gated["findings"]) found = found || f["rule"] == rule;
    INFO(rule);
    CHECK(found);
  }
  // With the gate fewer entries reach the readers; without it none is spared.
  CHECK(gated["stats"]["prefiltered_out"].get<size_t>() > 0);
  CHECK(full["stats"]["prefiltered_out"].get<size_t>() == 0);

  Json inv_gated = Run({"inventory", "--format", "json", dir});
  Json inv_full = Run({"inventory", "--format", "json", "--no-prefilter", dir});
  CHECK(inv_gated["servers"].size() > 0);
  CHECK(inv_gated["servers"] == inv_full["servers"]);
}

}  // namespace

TEST_CASE("prefilter equivalence: fixtures", "[prefilter][e2e]") {
  // TOML, Nix, INI, .properties keys and daemon lines inside strings (issue 8: kinds 5 and 4).
  Compare(kSourceDir + "/fixtures",
          {"toml-time-server-key", "nix-time-server-key", "ini-time-server-key",
           "properties-time-server-key", "embedded-time-directive", "embedded-timesyncd-line"});
}

TEST_CASE("prefilter equivalence: real-world corpus", "[prefilter][e2e][realworld]") {
  const std::string corpus = kSourceDir + "/../shared/realworld";
  if (!std::filesystem::is_directory(corpus)) {
    std::cout << "SKIPPED: ../shared/realworld not found (" << corpus << ")" << std::endl;
    WARN("SKIPPED: ../shared/realworld not found");
    return;
  }
  Compare(corpus);
}
