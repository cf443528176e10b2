// Reports of many findings: the JSON and SARIF documents are written as they are made, so a
// machine report costs about what the text report does, whatever the number of findings.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "cli/command.h"
#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;

// Runs ntpsweep with `args` in `cwd` (stdout to `stdout_path`) and returns its exit code and
// its peak resident set in KiB (wait4's rusage: this child alone, including what it shared
// with this process between fork and exec).
std::pair<int, long> RunMeasured(const std::string& cwd, const std::vector<std::string>& args,
                                 const std::string& stdout_path) {
  std::vector<std::string> argv_store{kBinary};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Under AddressSanitizer (scripts/sanitize.sh) freed memory waits in a quarantine of 256 MiB,
  // so a report that frees each result as it writes it would peak at the quarantine's size.
  std::string asan_options = "quarantine_size_mb=0";
  if (const char* given = std::getenv("ASAN_OPTIONS")) asan_options = given + (":" + asan_options);
  std::vector<std::string> env_store{"ASAN_OPTIONS=" + asan_options};
  for (char** e = environ; *e; ++e)
    if (!std::string_view(*e).starts_with("ASAN_OPTIONS=")) env_store.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = open("/dev/null", O_RDWR);
    if (out < 0 || null < 0 || chdir(cwd.c_str()) != 0) _exit(126);
    dup2(null, 0);
    dup2(out, 1);
    dup2(null, 2);
    alarm(kHangGuardSeconds);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), usage.ru_maxrss};
}

}  // namespace

TEST_CASE("reports: JSON and SARIF of many findings cost about what the text report does",
          "[report][memory]") {
  TempDir tmp;
  // One chrony.conf naming the old server on 20,000 lines, and decoys every tenth line: a
  // neighbour address, a longer one that starts with it, another network's.
  constexpr int kMentions = 20000;
  std::string conf;
  conf.reserve(kMentions * 48);
  for (int i = 0; i < kMentions; ++i) {
    conf += "server 192.0.2.10 iburst # source " + std::to_string(i) + "\n";
    if (i % 10 == 0) conf += "server 192.0.2.11 iburst\nserver 192.0.2.100\npool 198.51.100.10\n";
  }
  WriteWholeFile(tmp / "etc/chrony/chrony.conf", conf);
  conf = std::string();  // this process stays small for the children's peaks (below)
  const std::vector<std::string> scan = {"scan", "--host", "192.0.2.10", "-j", "1", "etc"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = scan;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  auto [text_code, text_kib] =
      RunMeasured(tmp.path(), with({"--format", "text", "-o", tmp / "r.txt"}), tmp / "stdout");
  REQUIRE(text_code == 1);
  // The text report's peak holds the scan itself (the findings); a machine report may add a
  // little, not kilobytes per finding (the whole document as a tree and as a string did:
  // 3 times the text report's peak).
  const long bound_kib = text_kib + 24 * 1024;
  struct Case {
    std::vector<std::string> args;
    std::string report;
  };
  const std::vector<Case> cases = {
      Case{{"--format", "json", "-o", tmp / "r.json"}, tmp / "r.json"},
      Case{{"--format", "json"}, tmp / "stdout-json"},
      Case{{"--format", "sarif", "-o", tmp / "r.sarif"}, tmp / "r.sarif"},
      Case{{"--format", "sarif"}, tmp / "stdout-sarif"}};
  // All runs first: a child's peak counts the pages it shares with this process at fork, so
  // this process reads the reports (a large heap) only afterwards.
  std::vector<std::pair<int, long>> runs;
  for (const Case& c : cases)
    runs.push_back(
        RunMeasured(tmp.path(), with(c.args), c.args.size() > 2 ? tmp / "stdout" : c.report));
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    auto [code, kib] = runs[i];
    INFO(c.args[1] << (c.args.size() > 2 ? " to a file" : " to stdout") << ": peak " << kib / 1024
                   << " MiB, text report " << text_kib / 1024 << " MiB");
    CHECK(code == 1);
    CHECK(kib <= bound_kib);
    // Every mention is a finding, no decoy is.
    nlohmann::json doc = nlohmann::json::parse(ReadWholeFile(c.report));
    const nlohmann::json& results =
        c.args[1] == "json" ? doc.at("findings") : doc.at("runs").at(0).at("results");
    CHECK(results.size() == static_cast<size_t>(kMentions));
    size_t decoys = 0;
    for (const nlohmann::json& r : results) {
      const std::string matched = c.args[1] == "json"
                                      ? r.at("matched").get<std::string>()
                                      : r.at("properties").at("matched").get<std::string>();
      decoys += matched != "192.0.2.10";
    }
    CHECK(decoys == 0);
  }
}

TEST_CASE("reports: AtomicFile renames a whole report and leaves the old file on failure",
          "[report][cli]") {
  TempDir tmp;
  const std::string path = tmp / "report.json";
  WriteWholeFile(path, "old\n");
  auto temporaries = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
      n += e.path().filename().string().find(".ntpsweep-") != std::string::npos;
    return n;
  };
  {
    ntpsweep::cli::AtomicFile file;
    std::string error;
    REQUIRE(file.Open(path, &error));
    file.stream() << std::string(200000, 'x');  // more than one buffer
    CHECK(ReadWholeFile(path) == "old\n");      // not yet: a reader sees the old report
    CHECK(temporaries() == 1);
  }  // not committed: the temporary file goes, the old report stays
  CHECK(ReadWholeFile(path) == "old\n");
  CHECK(temporaries() == 0);
  {
    ntpsweep::cli::AtomicFile file;
    std::string error;
    REQUIRE(file.Open(path, &error));
    file.stream() << std::string(200000, 'y') << "\n";
    CHECK(file.Commit(&error));
  }
  CHECK(ReadWholeFile(path) == std::string(200000, 'y') + "\n");
  CHECK(temporaries() == 0);
  // A device is written through, and a failed write is an error, not a short report.
  ntpsweep::cli::AtomicFile full;
  std::string error;
  REQUIRE(full.Open("/dev/full", &error));
  full.stream() << std::string(100000, 'z');
  CHECK_FALSE(full.Commit(&error));
  CHECK(error == std::strerror(ENOSPC));
}
