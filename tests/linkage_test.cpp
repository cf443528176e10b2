// Linkage: the variable names a definition stands for, and related locations across files.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "run_binary.h"
#include "scan/linkage.h"

#include <nlohmann/json.hpp>

using ntpsweep::scan::Linker;

TEST_CASE("linkage: names a key path defines", "[linkage]") {
  using V = std::vector<std::string>;
  CHECK(Linker::DefinedNames("ntp_servers[]") == V{"ntp_servers"});
  CHECK(Linker::DefinedNames("variable.ntp_server.default") == V{"ntp_server", "variable", "variable:ntp_server",
                                                                  "variable:ntp_server:default"});
  CHECK(Linker::DefinedNames("ntp.servers[]") == V{"ntp", "ntp:servers"});
  CHECK(Linker::DefinedNames("ntp::servers[]") == V{"ntp::servers"});
  CHECK(Linker::DefinedNames("spec.containers[].env[NTP_SERVERS].value") ==
        V{"NTP_SERVERS", "spec", "spec:containers"});
  CHECK(Linker::DefinedNames("NTP_IP") == V{"NTP_IP"});
}

TEST_CASE("linkage: SARIF relatedLocations, linked from the message", "[linkage]") {
  ntpsweep::testing::RunOptions o;
  o.cwd = ntpsweep::testing::kSourceDir;
  auto r = ntpsweep::testing::RunNtpsweep(
      {"scan", "--format", "sarif", "--host", "10.20.30.40", "--host", "ntp-old.corp.example.com",
       "fixtures/syntaxes/shell", "fixtures/syntaxes/docker"}, o);
  REQUIRE(r.exit_code == 1);
  auto doc = nlohmann::json::parse(r.out);
  bool shell = false, docker = false;
  for (const auto& res : doc["runs"][0]["results"]) {
    if (!res.contains("relatedLocations")) continue;
    std::string uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    std::string text = res["message"]["text"];
    const auto& rel = res["relatedLocations"][0];
    CHECK(rel["id"] == 1);
    CHECK(text.find("](1)") != std::string::npos);
    std::string ruri = rel["physicalLocation"]["artifactLocation"]["uri"];
    int line = rel["physicalLocation"]["region"]["startLine"];
    if (uri == "fixtures/syntaxes/shell/provision.sh") shell = ruri == uri && line == 7;
    if (uri == "fixtures/syntaxes/docker/chrony.conf")
      docker = ruri == "fixtures/syntaxes/docker/Dockerfile" && line == 16;
  }
  CHECK(shell);
  CHECK(docker);
}

namespace {

// The fixture directory `dir` as a gzip-compressed tar, its members under `dir`'s name.
std::string TarGzOf(const std::string& dir) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                            archive_write_free);
  REQUIRE(archive_write_set_format_pax_restricted(a.get()) == ARCHIVE_OK);
  REQUIRE(archive_write_add_filter_gzip(a.get()) == ARCHIVE_OK);
  std::string out(1u << 20, '\0');
  size_t used = 0;
  REQUIRE(archive_write_open_memory(a.get(), out.data(), out.size(), &used) == ARCHIVE_OK);
  std::vector<std::filesystem::path> files;
  for (const auto& f : std::filesystem::directory_iterator(dir)) files.push_back(f.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::string data = ntpsweep::testing::ReadWholeFile(f.string());
    std::string name = std::filesystem::path(dir).filename().string() + "/" + f.filename().string();
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                    archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    REQUIRE(archive_write_header(a.get(), e.get()) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a.get(), data.data(), data.size()) ==
            static_cast<la_ssize_t>(data.size()));
  }
  REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
  out.resize(used);
  return out;
}

// "location:line -> related location:line" of every finding with related locations.
std::vector<std::string> Related(const std::string& json) {
  std::vector<std::string> out;
  for (const auto& f : nlohmann::json::parse(json)["findings"])
    for (const auto& r : f.value("related", nlohmann::json::array()))
      out.push_back(f["location"].get<std::string>() + ":" + std::to_string(f["line"].get<int>()) +
                    " -> " + r["location"].get<std::string>() + ":" +
                    std::to_string(r["line"].get<int>()));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// Members of an archive are related like files on disk, though their bytes are gone when the
// findings are known: the archive is read again for the members that can name them (the same
// relations as with the gate off, where every member is read by every reader as it passes).
TEST_CASE("linkage: archive members are related like files", "[linkage][archive]") {
  ntpsweep::testing::TempDir tmp;
  ntpsweep::testing::WriteWholeFile(
      tmp.path() + "/in/docker.tar.gz",
      TarGzOf(ntpsweep::testing::kSourceDir + "/fixtures/syntaxes/docker"));
  ntpsweep::testing::RunOptions o;
  o.cwd = tmp.path();
  auto scan = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "scan", "--format", "json", "--host", "10.20.30.40", "--host", "ntp-old.corp.example.com"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = ntpsweep::testing::RunNtpsweep(args, o);
    REQUIRE(r.exit_code == 1);
    return Related(r.out);
  };
  std::vector<std::string> operand = scan({"in/docker.tar.gz"});
  CHECK(
      std::find(operand.begin(), operand.end(),
                "in/docker.tar.gz!docker/chrony.conf:1 -> in/docker.tar.gz!docker/Dockerfile:16") !=
      operand.end());
  CHECK(scan({"--no-prefilter", "in/docker.tar.gz"}) == operand);
  // Inside a walked directory the archive is opened by a worker; the relations are the same.
  CHECK(scan({"in"}) == operand);
  CHECK(scan({"--no-prefilter", "in"}) == operand);
}
