// Files named by include directives are read with the including daemon's syntax, whatever
// their names (fixtures/includes).
#include <catch2/catch.hpp>

#include <set>
#include <tuple>

#include "host/target.h"
#include "rules/rule.h"
#include "scan/scan.h"

namespace {

using ntpsweep::ActivityName;

std::set<std::tuple<std::string, uint32_t, std::string, std::string>> ScanIncludes(
    const std::string& root) {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::host::TargetSet targets;
  std::string error;
  REQUIRE(targets.Add("192.0.2.10", &error));
  ntpsweep::scan::ScanOptions options;
  options.operands = {root};
  auto result = ntpsweep::scan::RunScan(options, rules, targets);
  std::set<std::tuple<std::string, uint32_t, std::string, std::string>> got;
  for (const auto& f : result.findings)
    got.emplace(f.location.Render().substr(root.size() + 1), f.span.line, f.rule_id,
                std::string(ActivityName(f.activity)));
  return got;
}

}  // namespace

TEST_CASE("include, confdir, sourcedir and includefile select the daemon's syntax",
          "[scan][includes]") {
  std::string root = std::string(NTPSWEEP_SOURCE_DIR) + "/fixtures/includes";
  auto got = ScanIncludes(root);
  std::set<std::tuple<std::string, uint32_t, std::string, std::string>> want = {
      {"etc/chrony/corp.d/10-old.conf", 2, "chrony-source", "active"},      // confdir
      {"etc/chrony/extra.inc", 1, "chrony-source", "active"},               // include
      {"etc/chrony/corp-sources/site.sources", 1, "chrony-source", "active"},  // sourcedir
      {"etc/ntp/site.inc", 1, "ntp-conf-source", "active"},                 // absolute includefile
      {"etc/relative.inc", 1, "ntp-conf-source", "active"},  // relative to the including file
      {"etc/ntp/notes.txt", 1, "text-mention", "mention"},   // not included: free text only
  };
  CHECK(got == want);
}

TEST_CASE("an include that names nothing in the scan changes nothing", "[scan][includes]") {
  // The demo tree has no includes: every finding keeps its first reading.
  auto got = ScanIncludes(std::string(NTPSWEEP_SOURCE_DIR) + "/fixtures/includes/etc/ntp");
  // site.inc's daemon line is still a source, by shape (rules/embedded.yaml), not by include.
  CHECK(got == decltype(got){{"notes.txt", 1, "text-mention", "mention"},
                             {"site.inc", 1, "embedded-time-directive", "active"}});
}
