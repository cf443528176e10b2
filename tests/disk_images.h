// Disk images made by the real tools at test time, from a directory tree: ext4 (mke2fs -d), XFS
// (mkfs.xfs -p, a prototype file), and a GPT image of such file systems (sfdisk, then copied in).
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "run_binary.h"

namespace ntpsweep::testing {

inline void RunTool(const std::vector<std::string>& command, const RunOptions& options = {}) {
  RunResult r = RunCommand(command, options);
  INFO(command.front() << ": " << r.err);
  REQUIRE(r.exit_code == 0);
}

// A sparse file of `bytes`.
inline void MakeSparse(const std::string& path, uint64_t bytes) {
  WriteWholeFile(path, "");
  std::filesystem::resize_file(path, bytes);
}

inline void MakeExt4(const std::string& tree, const std::string& image, uint64_t bytes) {
  MakeSparse(image, bytes);
  RunTool({"/usr/sbin/mke2fs", "-q", "-F", "-t", "ext4", "-d", tree, image});
}

// mkfs.xfs -p: the files of `tree` owned by root. Below 300 MB mkfs.xfs needs the xfsprogs test
// overrides (TEST_DIR/TEST_DEV/QA_CHECK_FS), which lift that size check alone.
inline void MakeXfs(const std::string& tree, const std::string& image, uint64_t bytes = 64u << 20) {
  std::string proto = "/dev/null\n0 0\nd--755 0 0\n";
  auto walk = [&](auto& self, const std::filesystem::path& dir, const std::string& indent) -> void {
    std::vector<std::filesystem::path> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path());
    std::sort(names.begin(), names.end());
    for (const auto& p : names) {
      const std::string name = p.filename().string();
      if (std::filesystem::is_directory(p)) {
        proto += indent + name + " d--755 0 0\n";
        self(self, p, indent + " ");
        proto += indent + "$\n";
      } else {
        proto += indent + name + " ---644 0 0 " + std::filesystem::absolute(p).string() + "\n";
      }
    }
  };
  walk(walk, tree, " ");
  proto += "$\n";
  WriteWholeFile(image + ".proto", proto);
  MakeSparse(image, bytes);
  RunOptions o;
  o.env = {{"TEST_DIR", "1"}, {"TEST_DEV", "1"}, {"QA_CHECK_FS", "1"}};
  RunTool({"/usr/sbin/mkfs.xfs", "-q", "-f", "-p", image + ".proto", image}, o);
  std::filesystem::remove(image + ".proto");
}

// A GPT image whose partitions hold `volumes` (file system images) in turn, from sector 2048,
// each partition as large as its volume.
inline void MakeGpt(const std::vector<std::string>& volumes, const std::string& image) {
  std::string table = "label: gpt\n";
  uint64_t sector = 2048;
  for (const std::string& v : volumes) {
    const uint64_t sectors = std::filesystem::file_size(v) / 512;
    table += "start=" + std::to_string(sector) + ", size=" + std::to_string(sectors) +
             ", type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n";
    sector += sectors;
  }
  MakeSparse(image, (sector + 2048) * 512);
  WriteWholeFile(image + ".sfdisk", table);
  RunTool({"/bin/sh", "-c", "/usr/sbin/sfdisk -q '" + image + "' < '" + image + ".sfdisk'"});
  std::filesystem::remove(image + ".sfdisk");
  sector = 2048;
  for (const std::string& v : volumes) {
    RunTool({"/usr/bin/dd", "if=" + v, "of=" + image, "bs=512", "seek=" + std::to_string(sector),
             "conv=notrunc,sparse", "status=none"});
    sector += std::filesystem::file_size(v) / 512;
  }
}

}  // namespace ntpsweep::testing
