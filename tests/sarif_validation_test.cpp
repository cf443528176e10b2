// SARIF as GitHub code scanning reads it: scripts/validate-sarif.sh (SARIF Multitool under the
// GitHub ingestion policy + the SARIF 2.1.0 JSON schema) must accept our reports, reject a
// corrupted one, and the fields GitHub relies on must be present and well-formed.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h
using Json = nlohmann::json;

const std::string kValidate = kSourceDir + "/scripts/validate-sarif.sh";

struct Tree {
  const char* name;
  std::string dir;
  std::vector<std::string> hosts;
  size_t results;  // how many findings the tree holds (see e2e_test.cpp / fixtures/demo)
};

const Tree kTrees[] = {
    {"fixtures/e2e", kSourceDir + "/fixtures/e2e",
     {"--host", "192.0.2.10", "--host", "2001:db8::123", "--host", "ntp-old.corp.example.net",
      "--host", "198.51.100.0/28"},
     75},
    {"fixtures/demo", kSourceDir + "/fixtures/demo",
     {"--host", "10.20.30.40", "--host", "ntp-old.corp.example.com"},
     12},
};

// Writes the SARIF report of `tree` to `out`; returns the parsed document.
Json ScanSarif(const Tree& tree, const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"scan"};
  args.insert(args.end(), tree.hosts.begin(), tree.hosts.end());
  args.insert(args.end(), {"--format", "sarif", "-o", out});
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(".");
  RunResult r = RunNtpsweep(args, RunOptions{tree.dir, {}, false});
  INFO(r.err);
  REQUIRE(r.signal == 0);
  REQUIRE(r.exit_code == 1);
  return Json::parse(ReadWholeFile(out));
}

RunResult Validate(const std::string& file) {
  RunResult r = RunCommand({kValidate, file});
  REQUIRE(r.signal == 0);
  return r;
}

bool IsNonEmptyString(const Json& j) { return j.is_string() && !j.get<std::string>().empty(); }

}  // namespace

TEST_CASE("sarif: validate-sarif.sh accepts the reports of the fixture trees", "[sarif]") {
  TempDir tmp;
  for (const Tree& tree : kTrees) {
    INFO(tree.name);
    const std::string file = tmp / (std::string(tree.name).substr(9) + ".sarif");
    ScanSarif(tree, file);
    RunResult v = Validate(file);
    INFO("validate-sarif.sh stdout:\n" << v.out << "\nstderr:\n" << v.err);
    CHECK(v.exit_code == 0);
  }
}

TEST_CASE("sarif: validate-sarif.sh rejects a corrupted report", "[sarif]") {
  TempDir tmp;
  const std::string good = tmp / "good.sarif", bad = tmp / "bad.sarif";
  ScanSarif(kTrees[1], good);
  std::string text = ReadWholeFile(good);
  // Corrupt the level of the first result: "fatal" is not a SARIF level.
  size_t results = text.find("\"results\"");
  REQUIRE(results != std::string::npos);
  std::smatch m;
  std::string tail = text.substr(results);
  REQUIRE(std::regex_search(tail, m, std::regex("\"level\": \"(error|warning|note)\"")));
  text.replace(results + m.position(0), m.length(0), "\"level\": \"fatal\"");
  WriteWholeFile(bad, text);
  REQUIRE(Json::parse(text).at("runs")[0].at("results")[0].at("level") == "fatal");

  RunResult v = Validate(bad);
  INFO("validate-sarif.sh stdout:\n" << v.out << "\nstderr:\n" << v.err);
  CHECK(v.exit_code != 0);
  CHECK((v.out + v.err).find("fatal") != std::string::npos);
  // The uncorrupted file passes (control for the negative).
  CHECK(Validate(good).exit_code == 0);
}

TEST_CASE("sarif: the fields GitHub code scanning relies on", "[sarif]") {
  TempDir tmp;
  for (const Tree& tree : kTrees) {
    INFO(tree.name);
    Json log = ScanSarif(tree, tmp / "out.sarif");
    CHECK(log.at("version") == "2.1.0");
    CHECK(IsNonEmptyString(log.at("$schema")));
    REQUIRE(log.at("runs").size() == 1);
    const Json& run = log.at("runs")[0];

    const Json& driver = run.at("tool").at("driver");
    CHECK(driver.at("name") == "ntpsweep");
    CHECK(IsNonEmptyString(driver.at("version")));
    CHECK(IsNonEmptyString(driver.at("informationUri")));

    // Rules: full metadata for every loaded rule.
    const Json& rules = driver.at("rules");
    std::set<std::string> ids;
    for (const Json& rule : rules) {
      INFO(rule.dump());
      REQUIRE(IsNonEmptyString(rule.at("id")));
      CHECK(ids.insert(rule.at("id").get<std::string>()).second);
      CHECK(IsNonEmptyString(rule.at("name")));
      CHECK(IsNonEmptyString(rule.at("shortDescription").at("text")));
      CHECK(IsNonEmptyString(rule.at("fullDescription").at("text")));
      CHECK(rule.at("shortDescription").at("text").get<std::string>().size() <= 1024);
      CHECK(rule.at("fullDescription").at("text").get<std::string>().size() <= 1024);
      CHECK(IsNonEmptyString(rule.at("help").at("text")));
      CHECK(IsNonEmptyString(rule.at("help").at("markdown")));
      CHECK(std::set<std::string>{"error", "warning", "note"}.count(
          rule.at("defaultConfiguration").at("level").get<std::string>()));
      const Json& props = rule.at("properties");
      REQUIRE(props.at("tags").is_array());
      CHECK(!props.at("tags").empty());
      for (const Json& t : props.at("tags")) CHECK(IsNonEmptyString(t));
      CHECK(std::set<std::string>{"very-high", "high", "medium", "low"}.count(
          props.at("precision").get<std::string>()));
      // GitHub wants a number in (0, 10] as a string.
      std::string sev = props.at("security-severity");
      REQUIRE(std::regex_match(sev, std::regex("[0-9]+(\\.[0-9]+)?")));
      CHECK(std::stod(sev) > 0.0);
      CHECK(std::stod(sev) <= 10.0);
    }
    for (const char* id :
         {"chrony-source", "chrony-initstepslew", "chrony-reference", "ntp-conf-source",
          "ntp-conf-reference", "ntp-daemon-options", "ntpdate-servers", "ntp-step-tickers",
          "openntpd-source", "openntpd-constraint", "timesyncd-ntp", "networkd-ntp",
          "networkd-dhcp-server-ntp", "text-mention"})
      CHECK(ids.count(id));

    // Run-level fields.
    std::string category = run.at("automationDetails").at("id");
    CHECK(!category.empty());
    CHECK(category.back() == '/');
    CHECK(std::set<std::string>{"unicodeCodePoints", "utf16CodeUnits"}.count(
        run.at("columnKind").get<std::string>()));
    std::string root = run.at("originalUriBaseIds").at("%SRCROOT%").at("uri");
    CHECK(root.rfind("file://", 0) == 0);
    CHECK(root.back() == '/');

    // Results: 1-based regions, fingerprints, relative URIs under %SRCROOT%.
    const Json& results = run.at("results");
    CHECK(results.size() == tree.results);
    const std::regex hash("[0-9a-f]{1,16}:[0-9]+");  // upload-sarif: unpadded hex
    for (const Json& res : results) {
      INFO(res.dump());
      std::string rule_id = res.at("ruleId");
      CHECK(ids.count(rule_id));
      size_t index = res.at("ruleIndex");
      REQUIRE(index < rules.size());
      CHECK(rules[index].at("id") == rule_id);
      CHECK(std::set<std::string>{"error", "warning", "note"}.count(res.at("level").get<std::string>()));
      CHECK(IsNonEmptyString(res.at("message").at("text")));
      REQUIRE(res.at("locations").size() == 1);
      const Json& phys = res.at("locations")[0].at("physicalLocation");
      const Json& art = phys.at("artifactLocation");
      std::string uri = art.at("uri");
      CHECK(!uri.empty());
      CHECK(uri.front() != '/');
      CHECK(uri.find(':') == std::string::npos);  // never a scheme-like first segment
      CHECK(art.at("uriBaseId") == "%SRCROOT%");
      size_t art_index = art.at("index");
      REQUIRE(art_index < run.at("artifacts").size());
      CHECK(run.at("artifacts")[art_index].at("location").at("uri") == uri);
      const Json& region = phys.at("region");
      CHECK(region.at("startLine").get<int>() >= 1);
      CHECK(region.at("startColumn").get<int>() >= 1);
      CHECK(region.at("endLine").get<int>() >= region.at("startLine").get<int>());
      if (region.at("endLine") == region.at("startLine"))
        CHECK(region.at("endColumn").get<int>() > region.at("startColumn").get<int>());
      std::string fp = res.at("partialFingerprints").at("primaryLocationLineHash");
      CHECK(std::regex_match(fp, hash));
      CHECK(IsNonEmptyString(res.at("properties").at("activity")));
    }
  }
}

TEST_CASE("sarif: --category sets automationDetails.id", "[sarif]") {
  TempDir tmp;
  Json log = ScanSarif(kTrees[1], tmp / "out.sarif", {"--category", "ntpsweep-demo"});
  CHECK(log.at("runs")[0].at("automationDetails").at("id") == "ntpsweep-demo/");
}

TEST_CASE("sarif: a region points at the mention on its line", "[sarif]") {
  TempDir tmp;
  Json log = ScanSarif(kTrees[0], tmp / "out.sarif");
  bool seen = false;
  for (const Json& res : log.at("runs")[0].at("results")) {
    const Json& phys = res.at("locations")[0].at("physicalLocation");
    if (phys.at("artifactLocation").at("uri") != "etc/ntpsec/ntp.conf") continue;
    if (phys.at("region").at("startLine") != 8) continue;
    // "server [2001:DB8:0:0::123]:123 iburst": the address, without brackets and port.
    seen = true;
    CHECK(res.at("ruleId") == "ntp-conf-source");
    CHECK(res.at("level") == "error");
    CHECK(phys.at("region").at("startColumn") == 9);
    CHECK(phys.at("region").at("endColumn") == 26);
    CHECK(phys.at("region").at("snippet").at("text") == "server [2001:DB8:0:0::123]:123 iburst");
  }
  CHECK(seen);
}

TEST_CASE("sarif: past GitHub's 25,000 results a run keeps the most severe and says so",
          "[sarif][limits]") {
  // 24,999 daemon sources (errors) and three prose mentions (warnings) before them in report
  // order: the two warnings past the limit are left out, the first one and every error kept.
  // One source fewer (25,001 - 1 = 25,000 in all) is the decoy: nothing left out.
  for (int sources : {24999, 24997}) {
    INFO(sources);
    TempDir tmp;
    std::string conf;
    for (int i = 0; i < sources; ++i) conf += "server 192.0.2.10 iburst\n";
    WriteWholeFile(tmp / "tree/b/chrony.conf", conf);
    WriteWholeFile(tmp / "tree/a.md", "old 192.0.2.10\nsee 192.0.2.10\nand 192.0.2.10\n");
    RunResult r = RunNtpsweep(
        {"scan", "--host", "192.0.2.10", "--format", "sarif", "-o", tmp / "out.sarif", "."},
        RunOptions{tmp / "tree", {}, false});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    Json run = Json::parse(ReadWholeFile(tmp / "out.sarif")).at("runs")[0];
    const size_t all = static_cast<size_t>(sources) + 3;
    const size_t left_out = all > 25000 ? all - 25000 : 0;
    const Json& results = run.at("results");
    CHECK(results.size() == all - left_out);
    std::vector<int> warning_lines;
    size_t errors = 0;
    for (const Json& res : results) {
      if (res.at("level") == "error")
        ++errors;
      else
        warning_lines.push_back(
            res.at("locations")[0].at("physicalLocation").at("region").at("startLine"));
    }
    CHECK(errors == static_cast<size_t>(sources));
    CHECK(warning_lines == (left_out ? std::vector<int>{1} : std::vector<int>{1, 2, 3}));
    // Still in report order: the kept warning (a.md) comes first.
    CHECK(results[0].at("level") == "warning");
    Json notes = run.at("invocations")[0].value("toolExecutionNotifications", Json::array());
    size_t said = 0;
    for (const Json& n : notes)
      if (n.at("descriptor").at("id") == "results-left-out") {
        ++said;
        CHECK(n.at("level") == "warning");
        CHECK(n.at("message").at("text").get<std::string>().starts_with(
            std::to_string(left_out) + " of " + std::to_string(all) + " results left out"));
      }
    CHECK(said == (left_out ? 1u : 0u));
    CHECK((r.err.find("leaves out") != std::string::npos) == (left_out > 0));
  }
}
