// Files named by include directives are read with the including daemon's syntax, whatever
// their names (fixtures/includes), on disk and as members of archives and disk images.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <tuple>
#include <vector>

#include "host/target.h"
#include "rules/rule.h"
#include "run_binary.h"
#include "scan/scan.h"

namespace {

using ntpsweep::ActivityName;

using Got = std::set<std::tuple<std::string, uint32_t, std::string, std::string>>;

// The findings of a scan of `operand`, each located by its path inside the tree scanned: past
// the operand and a '/' for a directory, past the last '!' for a member.
Got ScanTree(const std::string& operand, std::vector<ntpsweep::Notice>* notices = nullptr) {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::host::TargetSet targets;
  std::string error;
  REQUIRE(targets.Add("192.0.2.10", &error));
  ntpsweep::scan::ScanOptions options;
  options.operands = {operand};
  auto result = ntpsweep::scan::RunScan(options, rules, targets);
  Got got;
  for (const auto& f : result.findings) {
    const std::string where = f.location.Render();
    const size_t bang = where.rfind('!');
    got.emplace(
        bang == std::string::npos ? where.substr(operand.size() + 1) : where.substr(bang + 1),
        f.span.line, f.rule_id, std::string(ActivityName(f.activity)));
  }
  if (notices) *notices = result.notices;
  return got;
}

}  // namespace

TEST_CASE("include, confdir, sourcedir and includefile select the daemon's syntax",
          "[scan][includes]") {
  std::string root = std::string(NTPSWEEP_SOURCE_DIR) + "/fixtures/includes";
  auto got = ScanTree(root);
  Got want = {
      {"etc/chrony/corp.d/10-old.conf", 2, "chrony-source", "active"},         // confdir
      {"etc/chrony/extra.inc", 1, "chrony-source", "active"},                  // include
      {"etc/chrony/corp-sources/site.sources", 1, "chrony-source", "active"},  // sourcedir
      {"etc/ntp/site.inc", 1, "ntp-conf-source", "active"},  // absolute includefile
      {"etc/relative.inc", 1, "ntp-conf-source", "active"},  // relative to the including file
      {"etc/ntp/notes.txt", 1, "text-mention", "mention"},   // not included: free text only
  };
  CHECK(got == want);
}

TEST_CASE("an include that names nothing in the scan changes nothing", "[scan][includes]") {
  // The demo tree has no includes: every finding keeps its first reading.
  auto got = ScanTree(std::string(NTPSWEEP_SOURCE_DIR) + "/fixtures/includes/etc/ntp");
  // site.inc's daemon line is still a source, by shape (rules/embedded.yaml), not by include.
  CHECK(got == decltype(got){{"notes.txt", 1, "text-mention", "mention"},
                             {"site.inc", 1, "embedded-time-directive", "active"}});
}

// The same tree as a tar, a tar.gz, a tar inside a tar.gz and an ext4 image (mke2fs -d): a
// member named by another member's include directive is read with the including daemon's syntax,
// as a file is (one a rule of that syntax already reported in is not read again).
TEST_CASE("include directives in archives select the daemon's syntax for their members",
          "[scan][includes][archive]") {
  const std::string tree = std::string(NTPSWEEP_SOURCE_DIR) + "/fixtures/includes";
  const Got want = ScanTree(tree);
  REQUIRE(want.count({"etc/chrony/corp.d/10-old.conf", 2, "chrony-source", "active"}) == 1);
  ntpsweep::testing::TempDir tmp;
  const std::string tar = tmp / "tree.tar", tgz = tmp / "tree.tar.gz",
                    nested = tmp / "outer.tar.gz", ext4 = tmp / "tree.ext4";
  auto sh = [](const std::string& command) { REQUIRE(std::system(command.c_str()) == 0); };
  sh("tar -C '" + tree + "' -cf '" + tar + "' ./etc");
  sh("tar -C '" + tree + "' -czf '" + tgz + "' etc");
  sh("tar -C '" + tmp.path() + "' -czf '" + nested + "' tree.tar");
  sh("/usr/sbin/mke2fs -q -t ext4 -d '" + tree + "' '" + ext4 + "' 4M");
  for (const std::string& operand : {tar, tgz, nested, ext4}) {
    INFO(operand);
    std::vector<ntpsweep::Notice> notices;
    CHECK(ScanTree(operand, &notices) == want);
    for (const ntpsweep::Notice& n : notices) CHECK(n.id != "include-not-followed");
  }
}
