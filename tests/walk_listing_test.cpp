// What one directory's listing gives a walk (input/filesystem.cpp): its entries in byte order,
// each file's shown path and path on disk made from the operand and the directories above it,
// symbolic links and FIFOs left alone, the names of a huge directory not mixed into the next
// one's, and ignore files anchored to the directory that holds them.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "input/input.h"
#include "run_binary.h"

namespace {

using namespace ntpsweep;
using namespace ntpsweep::testing;  // run_binary.h
namespace fs = std::filesystem;

class ListingSink : public input::EntrySink {
 public:
  void Add(input::Entry e) override {
    std::lock_guard lock(mu_);
    REQUIRE(e.location.chain.size() == 1);
    CHECK(e.location.chain[0] == e.path);
    paths.push_back(e.path);
    fs_paths[e.path] = e.fs_path;
  }
  void Report(Notice n) override {
    std::lock_guard lock(mu_);
    notices.push_back(std::move(n));
  }
  void CountSkipped(std::string_view why) override {
    std::lock_guard lock(mu_);
    ++skipped[std::string(why)];
  }
  std::vector<std::string> paths;  // in the order given
  std::map<std::string, std::string> fs_paths;
  std::map<std::string, int> skipped;
  std::vector<Notice> notices;

 private:
  std::mutex mu_;
};

std::vector<std::string> Prefixed(const std::string& prefix, const std::vector<std::string>& rels) {
  std::vector<std::string> out;
  for (const std::string& r : rels) out.push_back(prefix + r);
  return out;
}

// The files a tree holds besides its decoys, in the order one lister gives them: a directory's
// files in byte order (unsigned: "é" after "a"), then its subdirectories', depth first.
const std::vector<std::string> kTreeFiles = {
    "B.conf",
    "Zed-a-name-longer-than-fifteen-bytes.conf",
    "_under.conf",
    "a.conf",
    "\xc3\xa9t\xc3\xa9.conf",
    "sub/x.conf",
    "sub/deeper/file-with-a-long-name-0001.conf",
};

void MakeTree(const std::string& root) {
  for (const std::string& rel : kTreeFiles) WriteWholeFile(root + "/" + rel, "server 192.0.2.10\n");
  // Decoys: a link to a file, a link to a directory (never followed) and a FIFO (never opened).
  fs::create_symlink("a.conf", root + "/link.conf");
  fs::create_directory_symlink("sub", root + "/linkdir");
  REQUIRE(mkfifo((root + "/pipe").c_str(), 0600) == 0);
}

TEST_CASE("walk: a directory's entries in byte order, shown and on-disk paths from the operand",
          "[walk]") {
  TempDir tmp;
  const std::string root = tmp / "tree";
  MakeTree(root);
  input::WalkOptions options;
  options.listers = 1;

  SECTION("the operand as given") {
    ListingSink sink;
    input::OpenOperand(root, options, sink);
    CHECK(sink.paths == Prefixed(root + "/", kTreeFiles));
    for (const std::string& rel : kTreeFiles)
      CHECK(sink.fs_paths[root + "/" + rel] == root + "/" + rel);
    CHECK(sink.skipped == std::map<std::string, int>{{"special-file", 1}, {"symlink", 2}});
    CHECK(sink.notices.empty());
  }
  SECTION("an operand that is a link to the tree: walked as link/, shown under its name") {
    const std::string link = tmp / "tree-link";
    fs::create_directory_symlink(root, link);
    ListingSink sink;
    input::OpenOperand(link, options, sink);
    CHECK(sink.paths == Prefixed(link + "/", kTreeFiles));
    for (const std::string& rel : kTreeFiles)
      CHECK(fs::equivalent(sink.fs_paths[link + "/" + rel], root + "/" + rel));
    CHECK(sink.notices.empty());
  }
  SECTION("a relative operand below the working directory") {
    RunOptions run;
    run.cwd = tmp.path();
    RunResult r = RunNtpsweep(
        {"scan", "--host", "192.0.2.10", "--format", "json", "-j", "1", "-v", "tree"}, run);
    INFO(r.err);
    // -v names every file read, in the walk's order with one lister and one worker.
    std::vector<std::string> read;
    for (size_t at = 0; (at = r.err.find("ntpsweep: read ", at)) != std::string::npos;) {
      at += 15;
      read.push_back(r.err.substr(at, r.err.find('\n', at) - at));
    }
    CHECK(read == Prefixed("tree/", kTreeFiles));
  }
}

TEST_CASE("walk: the names of a huge directory stay out of the directory listed after it",
          "[walk]") {
  TempDir tmp;
  const std::string root = tmp / "tree";
  // Past the names a lister keeps room for between directories (16,384).
  constexpr int kBig = 17000;
  fs::create_directories(root + "/big");
  std::vector<std::string> big;
  for (int i = 0; i < kBig; ++i) {
    std::string name = "file-of-the-big-directory-" + std::to_string(100000 + i);
    WriteWholeFile(root + "/big/" + name, "");
    big.push_back(root + "/big/" + name);
  }
  const std::vector<std::string> small = {root + "/small/a-name-longer-than-fifteen.conf",
                                          root + "/small/b.conf"};
  for (const std::string& p : small) WriteWholeFile(p, "");
  input::WalkOptions options;
  for (unsigned listers : {1u, 2u}) {
    INFO("listers " << listers);
    options.listers = listers;
    ListingSink sink;
    input::OpenOperand(root, options, sink);
    // Each directory's files in byte order, whichever lister took it.
    std::vector<std::string> got_big, got_small;
    for (const std::string& p : sink.paths)
      (p.find("/big/") != std::string::npos ? got_big : got_small).push_back(p);
    CHECK(got_big == big);
    CHECK(got_small == small);
    CHECK(sink.notices.empty());
  }
}

TEST_CASE("walk: an ignore file's anchored lines apply in its own directory only",
          "[walk][ignore]") {
  TempDir tmp;
  const std::string root = tmp / "tree";
  for (const char* rel : {"a/b/only-here.conf", "a/b/c/only-here.conf", "a/only-here.conf",
                          "a/x.tmp", "a/b/y.tmp", "z.tmp", "a/b/c/kept.conf"})
    WriteWholeFile(root + "/" + rel, "server 192.0.2.10\n");
  WriteWholeFile(root + "/a/b/.gitignore", "/only-here.conf\n");
  WriteWholeFile(root + "/a/.ignore", "*.tmp\n");
  input::WalkOptions options;
  options.listers = 1;
  ListingSink sink;
  input::OpenOperand(root, options, sink);
  std::set<std::string> got(sink.paths.begin(), sink.paths.end());
  CHECK(got == std::set<std::string>{root + "/a/.ignore", root + "/a/b/.gitignore",
                                     root + "/a/b/c/only-here.conf", root + "/a/only-here.conf",
                                     root + "/z.tmp", root + "/a/b/c/kept.conf"});
  CHECK(sink.skipped == std::map<std::string, int>{{"ignored", 3}});
}

}  // namespace
