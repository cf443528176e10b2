// Helpers for the CI tests (ci_*, suppress_*, baseline_*, merge_* test files): the fixture
// repository fixtures/ci/repo, shell commands (git, the SARIF validator) and JSON scans.
#pragma once

#include <stdio.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run_binary.h"

namespace ntpsweep::testing::ci {

inline const std::string kRepoFixture = kSourceDir + "/fixtures/ci/repo";
inline const std::vector<std::string> kHosts = {"--host", "192.0.2.10", "--host",
                                                "ntp-old.corp.example.net"};

struct Shell {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` with /bin/sh; stderr is folded into the output.
inline Shell Sh(const std::string& command) {
  Shell r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// scripts/validate-sarif.sh: the SARIF Multitool's GitHub policy and the JSON schema.
inline Shell ValidateSarif(const std::string& file) {
  return Sh("bash " + Quote(kSourceDir + "/scripts/validate-sarif.sh") + " " + Quote(file));
}

// A git work tree: `git init` with a fixed identity, every file committed.
inline void GitInitAndCommit(const std::string& dir, const std::string& message = "initial") {
  std::string git = "git -C " + Quote(dir) + " -c user.name=ci -c user.email=ci@example.invalid ";
  REQUIRE(Sh(git + "init -q -b main").status == 0);
  REQUIRE(Sh(git + "add -A").status == 0);
  REQUIRE(Sh(git + "commit -q -m " + Quote(message)).status == 0);
}

inline std::vector<std::string> Join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// `ntpsweep scan` of `cwd` with the fixture hosts and `extra`; requires exit code `want`.
inline RunResult Scan(const std::string& cwd, const std::vector<std::string>& extra, int want) {
  RunResult r = RunNtpsweep(Join(Join({"scan"}, kHosts), extra),
                            RunOptions{cwd, {{"NTPSWEEP_TODAY", "2026-06-01"}}, false});
  INFO("stdout: " << r.out.substr(0, 4000));
  INFO("stderr: " << r.err);
  REQUIRE(r.signal == 0);
  REQUIRE(r.exit_code == want);
  return r;
}

inline nlohmann::json ScanJson(const std::string& cwd, const std::vector<std::string>& extra,
                               int want) {
  return nlohmann::json::parse(Scan(cwd, Join({"--format", "json"}, extra), want).out);
}

}  // namespace ntpsweep::testing::ci
