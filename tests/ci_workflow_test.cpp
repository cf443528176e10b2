// The example workflow (examples/github/ntpsweep.yml) run as GitHub would run it, step by
// step as shell in a git fixture: the first pull request (which adds the config), a later one
// that adds a reference, one that removes one, a push to main, and a base that cannot be
// scanned. Steps that use actions (checkout, upload-sarif) and the install step are not run;
// whether the upload would run is checked from its condition.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ci_util.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using Json = nlohmann::json;

// The values `${{ }}` expressions and `if:` conditions read: "github.event_name",
// "steps.scan.outputs.exit-code", ... Missing ones are "" as in GitHub.
using Context = std::map<std::string, std::string>;

// The subset of GitHub's expression language the workflow uses: names, 'strings', ==, !=,
// &&, || and parentheses. Anything else fails the test, so the workflow stays within it.
class Condition {
 public:
  Condition(std::string text, const Context& ctx) : s_(std::move(text)), ctx_(ctx) {}
  bool Eval() {
    std::string v = Or();
    Space();
    if (i_ != s_.size()) FAIL("unsupported expression: " << s_);
    return Truthy(v);
  }

 private:
  static bool Truthy(const std::string& v) { return !v.empty() && v != "false" && v != "0"; }
  void Space() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }
  bool Take(std::string_view op) {
    Space();
    if (s_.compare(i_, op.size(), op) != 0) return false;
    i_ += op.size();
    return true;
  }
  std::string Or() {
    std::string v = And();
    while (Take("||")) {
      std::string r = And();
      v = Truthy(v) ? v : r;
    }
    return v;
  }
  std::string And() {
    std::string v = Compare();
    while (Take("&&")) {
      std::string r = Compare();
      v = Truthy(v) ? r : v;
    }
    return v;
  }
  std::string Compare() {
    std::string v = Primary();
    if (Take("==")) return v == Primary() ? "true" : "false";
    if (Take("!=")) return v != Primary() ? "true" : "false";
    return v;
  }
  std::string Primary() {
    Space();
    if (Take("(")) {
      std::string v = Or();
      if (!Take(")")) FAIL("unbalanced parentheses: " << s_);
      return v;
    }
    if (i_ < s_.size() && s_[i_] == '\'') {
      size_t end = s_.find('\'', i_ + 1);
      std::string v = s_.substr(i_ + 1, end - i_ - 1);
      i_ = end + 1;
      return v;
    }
    size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' ||
                              s_[i_] == '_' || s_[i_] == '-'))
      ++i_;
    if (start == i_) FAIL("unsupported expression: " << s_);
    auto it = ctx_.find(s_.substr(start, i_ - start));
    return it == ctx_.end() ? "" : it->second;
  }

  std::string s_;
  const Context& ctx_;
  size_t i_ = 0;
};

// `${{ name }}` in a value, from the context.
std::string Substitute(const std::string& value, const Context& ctx) {
  std::string out;
  size_t at = 0;
  for (size_t open; (open = value.find("${{", at)) != std::string::npos;) {
    size_t close = value.find("}}", open);
    REQUIRE(close != std::string::npos);
    std::string name = value.substr(open + 3, close - open - 3);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    out += value.substr(at, open - at);
    auto it = ctx.find(name);
    out += it == ctx.end() ? "" : it->second;
    at = close + 2;
  }
  return out + value.substr(at);
}

struct JobRun {
  bool failed = false;    // a step that ran exited non-zero
  bool uploaded = false;  // the upload-sarif step's condition held
  std::string sarif;      // the file it would upload
  std::string log;        // every step's output, in order
  std::string summary;    // $GITHUB_STEP_SUMMARY
  Context ctx;
};

// Runs the workflow's job for `event` in the work tree `checkout`, ntpsweep on PATH.
JobRun RunJob(const std::string& checkout, const std::string& event, const std::string& base_sha,
              const TempDir& tmp) {
  YAML::Node workflow = YAML::LoadFile(kSourceDir + "/examples/github/ntpsweep.yml");
  YAML::Node job = workflow["jobs"]["ntpsweep"];
  REQUIRE(job);
  static int run_number = 0;
  const std::string runner_temp = tmp / ("runner-" + std::to_string(++run_number));
  std::filesystem::create_directories(runner_temp);
  std::filesystem::create_directories(tmp / "bin");
  std::error_code ec;
  std::filesystem::create_symlink(kBinary, tmp / "bin/ntpsweep", ec);
  const std::string summary = runner_temp + "/summary.md";
  WriteWholeFile(summary, "");

  JobRun run;
  run.ctx = {{"github.event_name", event}, {"github.event.pull_request.base.sha", base_sha}};
  int n = 0;
  for (const YAML::Node& step : job["steps"]) {
    ++n;
    const std::string id = step["id"] ? step["id"].as<std::string>() : "step" + std::to_string(n);
    bool runs = !step["if"] || Condition(step["if"].as<std::string>(), run.ctx).Eval();
    if (step["uses"]) {
      std::string uses = step["uses"].as<std::string>();
      if (uses.starts_with("github/codeql-action/upload-sarif") && runs) {
        run.uploaded = true;
        run.sarif = Substitute(step["with"]["sarif_file"].as<std::string>(), run.ctx);
      }
      continue;
    }
    if (id == "install" || !runs) continue;
    const std::string output = runner_temp + "/output-" + id;
    WriteWholeFile(output, "");
    std::string command = "cd " + Quote(checkout) + " && env PATH=" + Quote(tmp / "bin") +
                          ":\"$PATH\" RUNNER_TEMP=" + Quote(runner_temp) +
                          " GITHUB_OUTPUT=" + Quote(output) +
                          " GITHUB_STEP_SUMMARY=" + Quote(summary) +
                          " GITHUB_WORKSPACE=" + Quote(checkout) + " NTPSWEEP_TODAY=2026-06-01";
    if (step["env"])
      for (const auto& kv : step["env"])
        command += " " + kv.first.as<std::string>() + "=" +
                   Quote(Substitute(kv.second.as<std::string>(), run.ctx));
    const std::string script = runner_temp + "/step-" + id + ".sh";
    WriteWholeFile(script, step["run"].as<std::string>());
    // GitHub's default shell for `run:` on Linux.
    Shell sh = Sh(command + " bash --noprofile --norc -eo pipefail " + Quote(script));
    run.log += "## " + id + " (exit " + std::to_string(sh.status) + ")\n" + sh.output;
    if (sh.status != 0) {
      run.failed = true;
      break;
    }
    std::istringstream outputs(ReadWholeFile(output));
    for (std::string line; std::getline(outputs, line);)
      if (size_t eq = line.find('='); eq != std::string::npos)
        run.ctx["steps." + id + ".outputs." + line.substr(0, eq)] = line.substr(eq + 1);
  }
  run.summary = ReadWholeFile(summary);
  return run;
}

std::string Git(const std::string& dir, const std::string& args) {
  Shell r =
      Sh("git -C " + Quote(dir) + " -c user.name=ci -c user.email=ci@example.invalid " + args);
  INFO("git " << args << ": " << r.output);
  REQUIRE(r.status == 0);
  return r.output.substr(0, r.output.find_last_not_of('\n') + 1);
}

std::map<std::string, int> SarifStates(const std::string& file) {
  std::map<std::string, int> n;
  const Json doc = Json::parse(ReadWholeFile(file));
  for (const Json& r : doc.at("runs").at(0).at("results")) n[r.value("baselineState", "none")]++;
  return n;
}

}  // namespace

TEST_CASE("ci workflow: the example workflow from its first pull request on", "[ci][workflow]") {
  TempDir tmp;
  const std::string repo = tmp / "repo";
  // main before ntpsweep: two accepted references, no config.
  WriteWholeFile(repo + "/etc/ntp.conf",
                 "driftfile /var/lib/ntp/drift\nserver 192.0.2.10 iburst\n");
  WriteWholeFile(repo + "/docs/runbook.md", "# Time\n\nThe old server was 192.0.2.10.\n");
  GitInitAndCommit(repo, "before ntpsweep");
  const std::string before = Git(repo, "rev-parse HEAD");

  // 1. The pull request that adds the workflow and the config: passes.
  Git(repo, "checkout -q -b add-ntpsweep");
  WriteWholeFile(repo + "/.github/workflows/ntpsweep.yml",
                 ReadWholeFile(kSourceDir + "/examples/github/ntpsweep.yml"));
  REQUIRE(RunNtpsweep({"init", "--host", "192.0.2.10"}, RunOptions{repo, {}, false}).exit_code ==
          0);
  Git(repo, "add -A");
  Git(repo, "commit -q -m 'ntpsweep check'");
  JobRun first = RunJob(repo, "pull_request", before, tmp);
  INFO(first.log);
  CHECK_FALSE(first.failed);
  CHECK(first.log.find("could not be scanned") == std::string::npos);
  CHECK(first.uploaded);
  CHECK(SarifStates(first.sarif) == std::map<std::string, int>{{"unchanged", 2}});
  CHECK(first.summary.find("## ntpsweep: 2 references") != std::string::npos);
  CHECK(first.log.find(" (new)::") == std::string::npos);
  Git(repo, "checkout -q main");
  Git(repo, "merge -q --ff-only add-ntpsweep");
  const std::string adopted = Git(repo, "rev-parse HEAD");

  // 2. A push to main: uploads every finding, does not gate.
  JobRun push = RunJob(repo, "push", "", tmp);
  INFO(push.log);
  CHECK_FALSE(push.failed);
  CHECK(push.uploaded);
  CHECK(push.ctx["steps.scan.outputs.exit-code"] == "1");
  CHECK(SarifStates(push.sarif) == std::map<std::string, int>{{"none", 2}});

  // 3. A pull request that adds a reference: fails, and its annotation is the new one.
  Git(repo, "checkout -q -b add-reference");
  WriteWholeFile(repo + "/etc/chrony/chrony.conf", "pool pool.ntp.org\nserver 192.0.2.10\n");
  Git(repo, "add -A");
  Git(repo, "commit -q -m 'chrony'");
  JobRun added = RunJob(repo, "pull_request", adopted, tmp);
  INFO(added.log);
  CHECK(added.failed);
  CHECK(added.uploaded);
  CHECK(SarifStates(added.sarif) == std::map<std::string, int>{{"new", 1}, {"unchanged", 2}});
  CHECK(added.log.find("::error file=etc/chrony/chrony.conf,line=2,") != std::string::npos);
  CHECK(added.log.find("(unchanged)::") == std::string::npos);
  CHECK(added.log.find("::error title=ntpsweep::ntpsweep exited with 1") != std::string::npos);

  // 4. A pull request that removes one (and moves the other): passes.
  Git(repo, "checkout -q main");
  Git(repo, "checkout -q -b remove-reference");
  WriteWholeFile(repo + "/docs/runbook.md", "# Time\n\nWe use ntp2.corp.example.net.\n");
  WriteWholeFile(repo + "/etc/ntp.conf",
                 "# managed\ndriftfile /var/lib/ntp/drift\nserver 192.0.2.10 iburst\n");
  Git(repo, "commit -q -am 'fewer references'");
  JobRun removed = RunJob(repo, "pull_request", adopted, tmp);
  INFO(removed.log);
  CHECK_FALSE(removed.failed);
  CHECK(SarifStates(removed.sarif) == std::map<std::string, int>{{"unchanged", 1}});
  CHECK(removed.summary.find("| 1 | 0 | 0 | 0 | 0 | 1 | 0 | 1 |") != std::string::npos);

  // 5. A base that cannot be scanned (not in this clone): an empty baseline, said once.
  JobRun lost = RunJob(repo, "pull_request", std::string(40, 'f'), tmp);
  INFO(lost.log);
  CHECK(lost.log.find("::warning title=ntpsweep::the base revision") != std::string::npos);
  CHECK(lost.failed);  // the remaining reference is new against an empty baseline
  CHECK(SarifStates(lost.sarif) == std::map<std::string, int>{{"new", 1}});
}
