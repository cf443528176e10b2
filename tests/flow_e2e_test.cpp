// End-to-end over fixtures/flow: variables by where they flow (issue 8, item 8) and prose versus
// commented-out configuration in comments (item 9). The table was written from the fixtures'
// intent (each file says which lines are sources and which are decoys), not copied from output.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;
using Json = nlohmann::json;

struct Row {
  std::string file;
  int line;
  std::string rule;
  std::string activity;
  std::string severity;
  std::string matched;
  std::vector<int> related;  // lines of related locations in the same file

  auto Key() const { return std::tie(file, line, rule, activity, severity, matched, related); }
  bool operator<(const Row& o) const { return Key() < o.Key(); }
  bool operator==(const Row& o) const { return Key() == o.Key(); }
};

std::string Show(const Row& r) {
  std::string rel;
  for (int l : r.related) rel += " " + std::to_string(l);
  return r.file + ":" + std::to_string(r.line) + " [" + r.rule + ", " + r.activity + ", " +
         r.severity + "] " + r.matched + " related:" + rel;
}

Json Scan() {
  RunResult r = RunNtpsweep(
      {"scan", "--host", "192.0.2.10", "--host", "2001:db8::123", "--host",
       "ntp-old.corp.example.net", "--host", "198.51.100.0/28", "--format", "json", "."},
      RunOptions{kSourceDir + "/fixtures/flow", {}, false});
  INFO("stderr: " << r.err);
  REQUIRE(r.signal == 0);
  REQUIRE(r.exit_code == 1);
  return Json::parse(r.out);
}

std::vector<Row> Rows(const Json& doc, bool (*keep)(const std::string& file)) {
  std::vector<Row> rows;
  for (const Json& f : doc.at("findings")) {
    std::string file = f.at("location").get<std::string>();
    if (!keep(file)) continue;
    Row row{file,
            f.at("line").get<int>(),
            f.at("rule").get<std::string>(),
            f.at("activity").get<std::string>(),
            f.at("severity").get<std::string>(),
            f.at("matched").get<std::string>(),
            {}};
    if (f.contains("related"))
      for (const Json& r : f.at("related"))
        if (r.at("location").get<std::string>() == file)
          row.related.push_back(r.at("line").get<int>());
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

void RequireSame(std::vector<Row> want, const std::vector<Row>& got) {
  std::sort(want.begin(), want.end());
  for (const Row& r : want)
    if (!std::binary_search(got.begin(), got.end(), r)) FAIL_CHECK("missing: " << Show(r));
  for (const Row& r : got)
    if (!std::binary_search(want.begin(), want.end(), r)) FAIL_CHECK("unexpected: " << Show(r));
  REQUIRE(want == got);
}

constexpr const char* kErr = "error";
constexpr const char* kWarn = "warning";
constexpr const char* kNote = "note";

}  // namespace

TEST_CASE("flow e2e: a variable that reaches a time source is one, whatever its name",
          "[e2e][flow]") {
  std::vector<Row> want = {
      // Shell: direct use in a config write, one level of indirection, a ${X:-default}, printf
      // into timesyncd.conf; the definition relates the consuming line.
      {"scripts/provision.sh", 3, "shell-time-server-var", "active", kErr, "192.0.2.10", {8}},
      {"scripts/provision.sh",
       4,
       "shell-time-server-var",
       "active",
       kErr,
       "ntp-old.corp.example.net",
       {9}},
      {"scripts/provision.sh", 6, "shell-time-server-var", "active", kErr, "2001:db8::123", {10}},
      // Decoys: the same values in variables that only reach ping and a log file.
      {"scripts/provision.sh", 13, "text-mention", "mention", kWarn, "192.0.2.10", {}},
      {"scripts/provision.sh",
       14,
       "text-mention",
       "mention",
       kWarn,
       "ntp-old.corp.example.net",
       {}},
      // sed -i into chrony.conf; a default in a time command's argument. curl is no time source.
      {"scripts/sync-once.sh", 2, "shell-time-server-var", "active", kErr, "198.51.100.3", {3}},
      {"scripts/sync-once.sh", 4, "shell-one-shot-sync", "active", kErr, "198.51.100.4", {}},
      // Only a source line of a time config makes a variable a source: `peer $PEER` does;
      // `allow $X`, `bindaddress $X`, `logdir $X` written into chrony.conf do not.
      {"scripts/config-lines.sh", 3, "text-mention", "mention", kWarn, "198.51.100.9", {}},
      {"scripts/config-lines.sh", 4, "text-mention", "mention", kWarn, "192.0.2.10", {}},
      {"scripts/config-lines.sh",
       5,
       "text-mention",
       "mention",
       kWarn,
       "ntp-old.corp.example.net",
       {}},
      {"scripts/config-lines.sh", 6, "shell-time-server-var", "active", kErr, "198.51.100.8", {10}},
      // Dockerfile: ARG -> ENV -> RUN echo into chrony.conf; ENV/ARG that only getent reads.
      {"docker/Dockerfile", 2, "dockerfile-time-variable-flow", "active", kErr, "192.0.2.10", {7}},
      {"docker/Dockerfile", 4, "text-mention", "mention", kWarn, "198.51.100.5", {}},
      {"docker/Dockerfile", 5, "text-mention", "mention", kWarn, "ntp-old.corp.example.net", {}},
      // A directory written by `logdir` is no source; the server line's variable is.
      {"docker-logs/Dockerfile",
       2,
       "text-mention",
       "mention",
       kWarn,
       "ntp-old.corp.example.net",
       {}},
      {"docker-logs/Dockerfile",
       3,
       "dockerfile-time-variable-flow",
       "active",
       kErr,
       "198.51.100.11",
       {5}},
      // make: CLOCK ?= ... read by an @-prefixed ntpdate recipe line; MIRROR only by ping.
      {"build/Makefile", 1, "shell-time-server-var", "active", kErr, "198.51.100.6", {5}},
      {"build/Makefile", 2, "text-mention", "mention", kWarn, "198.51.100.6", {}},
  };
  RequireSame(want,
              Rows(Scan(), [](const std::string& f) { return f.rfind("comments/", 0) != 0; }));
}

TEST_CASE("flow e2e: prose in a comment is a mention, commented-out config is not", "[e2e][flow]") {
  std::vector<Row> want = {
      // Go: a doc comment that mentions the server is prose; a directive and an assignment in
      // comments are commented-out.
      {"comments/clock.go", 3, "text-mention", "mention", kWarn, "ntp-old.corp.example.net", {}},
      {"comments/clock.go", 4, "commented-server-line", "commented-out", kNote, "192.0.2.10", {}},
      {"comments/clock.go", 5, "text-mention", "commented-out", kNote, "2001:db8::123", {}},
      // YAML: prose comment vs a commented-out key.
      {"comments/values.yaml", 1, "text-mention", "mention", kWarn, "ntp-old.corp.example.net", {}},
      {"comments/values.yaml", 2, "yaml-time-server-key", "commented-out", kNote, "192.0.2.10", {}},
      // A commented-out hosts entry.
      {"comments/hosts", 2, "text-mention", "commented-out", kNote, "2001:db8::123", {}},
      // chrony.conf: a commented-out server line vs a remark.
      {"comments/chrony.conf", 1, "chrony-source", "commented-out", kNote, "192.0.2.10", {}},
      {"comments/chrony.conf", 2, "text-mention", "mention", kWarn, "198.51.100.2", {}},
      // A script: a sentence naming the server vs a commented-out command (the body read as
      // the script's own syntax is an ntpdate source).
      {"comments/sync.sh", 2, "text-mention", "mention", kWarn, "ntp-old.corp.example.net", {}},
      {"comments/sync.sh", 3, "text-mention", "commented-out", kNote, "192.0.2.10", {}},
  };
  RequireSame(want,
              Rows(Scan(), [](const std::string& f) { return f.rfind("comments/", 0) == 0; }));
}
