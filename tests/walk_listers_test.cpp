// A directory walk listed by several threads (WalkOptions::listers): the listers work at once,
// and what a walk guarantees holds whatever thread lists which directory: the same entries,
// ignore files of nested directories, byte-identical output across runs and worker counts, the
// notice of an unreadable directory, a tree deeper than the descriptors the walk may hold.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "input/input.h"
#include "run_binary.h"

namespace {

using namespace ntpsweep;
using namespace ntpsweep::testing;  // run_binary.h
using Json = nlohmann::json;

// Keeps what the listers give, from any thread. With `wait_for_other`, the first entry's Add
// waits until another thread adds one (a minute at most, for a walk with one lister: then
// `waited_alone` is set).
class TwoListerSink : public input::EntrySink {
 public:
  explicit TwoListerSink(bool wait_for_other) : wait_for_other_(wait_for_other) {}
  void Add(input::Entry e) override {
    std::unique_lock lock(mu_);
    paths_by_thread[std::this_thread::get_id()].push_back(e.path);
    changed_.notify_all();
    if (wait_for_other_ && !first_taken_) {
      first_taken_ = true;
      waited_alone = !changed_.wait_for(lock, std::chrono::minutes(1),
                                        [&] { return paths_by_thread.size() > 1; });
    }
  }
  void Report(Notice n) override {
    std::lock_guard lock(mu_);
    notices.push_back(std::move(n));
  }
  void CountSkipped(std::string_view) override {}

  std::map<std::thread::id, std::vector<std::string>> paths_by_thread;
  std::vector<Notice> notices;
  bool waited_alone = false;

 private:
  const bool wait_for_other_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool first_taken_ = false;
};

TEST_CASE("walk: two listers list two directories at once", "[walk]") {
  TempDir tmp;
  // The root lists no file: its two directories are the first two a lister can take.
  WriteWholeFile(tmp / "tree/a/one.conf", "server 192.0.2.10\n");
  WriteWholeFile(tmp / "tree/b/two.conf", "server 192.0.2.10\n");
  input::WalkOptions options;
  options.read_ignore_files = false;

  SECTION("two listers: a/ waits in Add while the other lister gives b/'s file") {
    options.listers = 2;
    TwoListerSink sink(true);
    input::OpenOperand(tmp / "tree", options, sink);
    CHECK_FALSE(sink.waited_alone);
    CHECK(sink.paths_by_thread.size() == 2);
    CHECK(sink.notices.empty());
  }
  SECTION("one lister: the caller's thread alone") {
    options.listers = 1;
    TwoListerSink sink(false);
    input::OpenOperand(tmp / "tree", options, sink);
    REQUIRE(sink.paths_by_thread.size() == 1);
    CHECK(sink.paths_by_thread.begin()->first == std::this_thread::get_id());
  }
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

RunResult Scan(const std::string& cwd, const std::vector<std::string>& extra,
               RunOptions options = {}) {
  options.cwd = cwd;
  return RunNtpsweep(Concat({"scan", "--host", "192.0.2.10", "--format", "json"}, extra), options);
}

std::set<std::string> FindingFiles(const Json& doc) {
  std::set<std::string> files;
  for (const Json& f : doc.at("findings")) files.insert(f.at("location").get<std::string>());
  return files;
}

TEST_CASE("walk: many directories, nested ignore files, the same output at -j1 and -j2",
          "[walk][e2e]") {
  TempDir tmp;
  const std::string root = tmp / "tree";
  const std::string hit = "server 192.0.2.10 iburst\n";
  std::set<std::string> want;
  WriteWholeFile(root + "/.gitignore", "*.log\n");
  for (int i = 0; i < 60; ++i) {
    const std::string dir = "d" + std::to_string(i) + "/sub" + std::to_string(i % 7);
    WriteWholeFile(root + "/" + dir + "/ntp.conf", hit);
    want.insert(dir + "/ntp.conf");
    WriteWholeFile(root + "/" + dir + "/ntp.log", hit);  // decoy: the root's *.log
    if (i % 3 == 0) {
      // A nested .ignore leaves out its directory's chrony.conf, at every depth below it.
      WriteWholeFile(root + "/d" + std::to_string(i) + "/.ignore", "chrony.conf\n");
      WriteWholeFile(root + "/" + dir + "/chrony.conf", hit);  // decoy
    } else {
      WriteWholeFile(root + "/" + dir + "/chrony.conf", hit);
      want.insert(dir + "/chrony.conf");
    }
  }
  // A directory ignored by a nested file is not entered; a re-included name is read.
  WriteWholeFile(root + "/keep/.gitignore", "private/\n!kept.log\n");
  WriteWholeFile(root + "/keep/private/ntp.conf", hit);  // decoy
  WriteWholeFile(root + "/keep/kept.log", hit);
  want.insert("keep/kept.log");
  // Decoy: a name ignored in keep/ only is read beside it.
  WriteWholeFile(root + "/other/private/ntp.conf", hit);
  want.insert("other/private/ntp.conf");

  RunResult one = Scan(root, {"-j", "1", "."});
  RunResult two = Scan(root, {"-j", "2", "."});
  RunResult again = Scan(root, {"-j", "2", "."});
  INFO("stderr: " << two.err);
  REQUIRE(two.exit_code == 1);
  Json doc = Json::parse(two.out);
  CHECK(FindingFiles(doc) == want);
  CHECK(doc.at("notices").empty());
  CHECK(doc.at("stats").at("skipped").value("ignored", 0) == 60 + 20 + 1);
  // The report is byte-for-byte the same whatever the threads listed (stats hold times: not
  // compared).
  auto without_stats = [](const std::string& out) {
    Json d = Json::parse(out);
    d.erase("stats");
    return d.dump();
  };
  CHECK(without_stats(one.out) == without_stats(two.out));
  CHECK(without_stats(two.out) == without_stats(again.out));
}

TEST_CASE("walk: an unreadable directory among many is one notice, the rest is read",
          "[walk][e2e]") {
  TempDir tmp;
  const std::string root = tmp / "tree";
  std::set<std::string> want;
  for (int i = 0; i < 20; ++i) {
    const std::string file = "d" + std::to_string(i) + "/etc/ntp.conf";
    WriteWholeFile(root + "/" + file, "server 192.0.2.10\n");
    want.insert(file);
  }
  WriteWholeFile(root + "/d7/locked/ntp.conf", "server 192.0.2.10\n");  // decoy: not readable
  REQUIRE(chmod((root + "/d7/locked").c_str(), 0) == 0);
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmp.path()))
    if (e.is_directory() && e.path() != root + "/d7/locked") chmod(e.path().c_str(), 0755);
  chmod(tmp.path().c_str(), 0755);
  chmod(root.c_str(), 0755);

  RunOptions options;
  std::string binary = kBinary;
  if (access((root + "/d7/locked").c_str(), R_OK) == 0) {
    // Root lists mode-000 directories: scan as `nobody`, with a copy it can run.
    options.run_as_uid = 65534;
    binary = tmp / "ntpsweep";
    std::filesystem::copy_file(kBinary, binary);
    REQUIRE(chmod(binary.c_str(), 0755) == 0);
  }
  options.cwd = root;
  RunResult r = RunCommand(
      {binary, "scan", "--host", "192.0.2.10", "--format", "json", "-j", "2", "."}, options);
  if (r.privilege_drop_failed) {
    WARN("cannot switch to uid 65534: the mode-000 directory is readable, assertions skipped");
    return;
  }
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.signal == 0);
  REQUIRE(r.exit_code == 1);
  Json doc = Json::parse(r.out);
  CHECK(FindingFiles(doc) == want);
  REQUIRE(doc.at("notices").size() == 1);
  const Json& n = doc.at("notices")[0];
  CHECK(n.at("id") == "unreadable-entry");
  CHECK(n.at("location") == "d7/locked");
}

TEST_CASE("walk: a tree deeper than the directories the walk may hold open", "[walk][e2e]") {
  TempDir tmp;
  const std::string root = tmp / "tree";
  // With 64 descriptors the walk holds at most 32 directories: 150 levels, a file in each,
  // and a sibling directory at each level for the other lister.
  constexpr int kDepth = 150;
  std::set<std::string> want;
  std::string dir;
  for (int i = 0; i < kDepth; ++i) {
    dir += (i ? "/" : "") + std::string("l") + std::to_string(i);
    WriteWholeFile(root + "/" + dir + "/ntp.conf", "server 192.0.2.10\n");
    want.insert(dir + "/ntp.conf");
    WriteWholeFile(root + "/" + dir + "/side/ntp.conf", "server 192.0.2.10\n");
    want.insert(dir + "/side/ntp.conf");
    WriteWholeFile(root + "/" + dir + "/side/ntp.log", "server 192.0.2.99\n");  // decoy
  }
  RunResult r = RunCommand({"/bin/sh", "-c", "ulimit -n 64 && exec \"$0\" \"$@\"", kBinary, "scan",
                            "--host", "192.0.2.10", "--format", "json", "-j", "2", "."},
                           RunOptions{root, {}, false});
  INFO("stderr: " << r.err);
  REQUIRE(r.signal == 0);
  REQUIRE(r.exit_code == 1);
  Json doc = Json::parse(r.out);
  CHECK(doc.at("notices").empty());
  CHECK(FindingFiles(doc) == want);
}

}  // namespace
