// End to end over the image fixtures that scripts/make-image-fixtures.sh builds at test time
// (the ctest fixture `images`): archives, container images and disk images made by real tools
// from fixtures/images/tree, and hostile inputs. The expectations were written from the planted
// files, not copied from tool output.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h
using Json = nlohmann::json;

const std::string kFx = NTPSWEEP_IMAGE_FIXTURES;
const std::vector<std::string> kHosts = {"--host", "10.20.30.40", "--host", "ntp-old.corp.example.com"};

// A shell command line run in the fixtures directory (pipes, redirections, `script` for a
// terminal): its exit status and what it wrote to stdout.
struct ShellResult {
  int exit_code = -1;
  std::string out;
};
ShellResult Shell(const std::string& command) {
  ShellResult r;
  std::string line = "cd '" + kFx + "' && " + command;
  FILE* p = popen(line.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

RunResult Scan(std::vector<std::string> args) {
  std::vector<std::string> full = {"scan", "-q"};
  full.insert(full.end(), kHosts.begin(), kHosts.end());
  full.insert(full.end(), args.begin(), args.end());
  RunOptions o;
  o.cwd = kFx;
  return RunNtpsweep(full, o);
}

Json ScanJson(std::vector<std::string> args) {
  args.insert(args.begin(), {"--format", "json"});
  RunResult r = Scan(args);
  INFO(r.err);
  REQUIRE(r.signal == 0);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  return Json::parse(r.out);
}

struct Row {
  std::string where;  // location with the container's prefix removed
  int line;
  int column;
  std::string rule, activity, severity;
  auto Key() const { return std::tie(where, line, column, rule, activity, severity); }
  bool operator<(const Row& o) const { return Key() < o.Key(); }
  bool operator==(const Row& o) const { return Key() == o.Key(); }
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.where << ':' << r.line << ':' << r.column << " [" << r.rule << ", " << r.activity
            << ", " << r.severity << ']';
}

// Findings whose rendered location starts with `prefix`, with it removed.
std::set<Row> Under(const Json& doc, const std::string& prefix, bool with_shadowed = false) {
  std::set<Row> out;
  for (const Json& f : doc["findings"]) {
    std::string loc = f["location"];
    if (!loc.starts_with(prefix)) continue;
    if (!with_shadowed && f["activity"] == "shadowed") continue;
    out.insert({loc.substr(prefix.size()), f["line"], f["column"], f["rule"], f["activity"], f["severity"]});
  }
  return out;
}

std::set<std::string> NoticeIds(const Json& doc) {
  std::set<std::string> ids;
  for (const Json& n : doc["notices"]) ids.insert(n["id"].get<std::string>());
  return ids;
}

std::string NoticeText(const Json& doc, const std::string& id) {
  for (const Json& n : doc["notices"])
    if (n["id"] == id) return n["message"];
  return "";
}

// Where fixtures/images/tree mentions the server, read line by line: file, line, column. Which
// rule reports each one belongs to the rule pack (rules/); here the places must be exact and the
// findings identical to those of the same tree scanned as a directory.
using Place = std::tuple<std::string, int, int>;
const std::set<Place> kTreePlaces = {
    {"etc/chrony/chrony.conf", 2, 6},
    {"etc/cron.d/ntpdate", 2, 40},
    {"etc/default/ntpdate", 3, 13},
    {"etc/ntp.conf", 3, 8},
    {"etc/ntp.conf", 5, 10},
    {"etc/systemd/timesyncd.conf", 2, 5},
    {"opt/legacy/ntp.conf.gz!ntp.conf", 2, 8},
    {"usr/share/doc/chrony/examples/chrony.conf.example", 2, 8},
};

std::set<Place> Places(const std::set<Row>& rows) {
  std::set<Place> out;
  for (const Row& r : rows) out.insert({r.where, r.line, r.column});
  return out;
}

// The tree as a directory scan sees it (the reference for every container).
const std::set<Row>& TreeRows() {
  static const std::set<Row> rows = [] {
    std::vector<std::string> args = {"--format", "json", "tree"};
    args.insert(args.begin(), kHosts.begin(), kHosts.end());
    args.insert(args.begin(), {"scan", "-q"});
    RunOptions o;
    o.cwd = kFx;
    RunResult r = RunNtpsweep(args, o);
    Json doc = Json::parse(r.out);
    return Under(doc, "tree/");
  }();
  return rows;
}

TEST_CASE("the planted tree gives the same findings in every container format", "[images][equivalence]") {
  // prefix of the tree's root in each container -> operand
  const std::vector<std::pair<std::string, std::string>> containers = {
      {"tree/", "tree"},
      {"archives/rootfs.tar!", "archives/rootfs.tar"},
      {"archives/rootfs-pax.tar!", "archives/rootfs-pax.tar"},
      {"archives/rootfs-ustar.tar!", "archives/rootfs-ustar.tar"},
      {"archives/rootfs-v7.tar!", "archives/rootfs-v7.tar"},
      {"archives/rootfs.tar.gz!", "archives/rootfs.tar.gz"},
      {"archives/rootfs.tar.bz2!", "archives/rootfs.tar.bz2"},
      {"archives/rootfs.tar.xz!", "archives/rootfs.tar.xz"},
      {"archives/rootfs.tar.lzma!", "archives/rootfs.tar.lzma"},
      {"archives/rootfs.tar.zst!", "archives/rootfs.tar.zst"},
      {"archives/rootfs.tar.lz4!", "archives/rootfs.tar.lz4"},
      {"archives/rootfs.tar.Z!", "archives/rootfs.tar.Z"},
      {"archives/rootfs.cpio!", "archives/rootfs.cpio"},
      {"archives/rootfs-odc.cpio!", "archives/rootfs-odc.cpio"},
      {"archives/rootfs.zip!", "archives/rootfs.zip"},
      {"archives/rootfs.7z!", "archives/rootfs.7z"},
      {"archives/rootfs.iso!", "archives/rootfs.iso"},
      {"archives/rootfs.xar!", "archives/rootfs.xar"},
      {"nested/outer.tar!images/rootfs.tar.zst!", "nested/outer.tar"},
      {"nested/outer.tar!rootfs.7z!", ""},
      {"images/oci!", "images/oci"},
      {"images/oci.tar!", "images/oci.tar"},
      {"images/docker.tar!", "images/docker.tar"},
      {"images/docker.tar.gz!", "images/docker.tar.gz"},
      {"disks/ext4.img!", "disks/ext4.img"},
      {"disks/xfs.img!", "disks/xfs.img"},
      {"disks/mbr.img!p1/", "disks/mbr.img"},
      {"disks/mbr-logical.img!p1/", "disks/mbr-logical.img"},
      {"disks/mbr-logical.img!p5/", ""},
      {"disks/mbr-logical.img!p6/", ""},
      {"disks/gpt.img!p1/", "disks/gpt.img"},
      {"disks/gpt.img!p2/", ""},
      {"disks/gpt-sparse.vmdk!p1/", "disks/gpt-sparse.vmdk"},
      {"disks/gpt-sparse.vmdk!p2/", ""},
      {"disks/gpt-stream.vmdk!p1/", "disks/gpt-stream.vmdk"},
      {"disks/gpt-stream.vmdk!p2/", ""},
      {"disks/gpt-dynamic.vhd!p1/", "disks/gpt-dynamic.vhd"},
      {"disks/gpt-fixed.vhd!p2/", "disks/gpt-fixed.vhd"},
      {"disks/gpt.vhdx!p1/", "disks/gpt.vhdx"},
      {"disks/gpt.vhdx!p2/", ""},
      {"disks/lvm.img!p1!lvm/vgtest/root/", "disks/lvm.img"},
      {"disks/lvm.img!p1!lvm/vgtest/data/", ""},
      {"disks/lvm-stream.vmdk!p1!lvm/vgtest/root/", "disks/lvm-stream.vmdk"},
      {"disks/lvm-stream.vmdk!p1!lvm/vgtest/data/", ""},
  };
  std::vector<std::string> operands;
  for (const auto& [prefix, operand] : containers)
    if (!operand.empty()) operands.push_back(operand);
  Json doc = ScanJson(operands);
  CHECK(doc["notices"].empty());
  REQUIRE(Places(TreeRows()) == kTreePlaces);
  for (const auto& [prefix, operand] : containers) {
    INFO(prefix);
    CHECK(Under(doc, prefix) == TreeRows());
  }
}

TEST_CASE("packages: a .deb and RPMs with gzip and zstd payloads", "[images][archives]") {
  Json doc = ScanJson({"archives/pkg.deb", "archives/ntp-legacy-w9.gzd.rpm", "archives/ntp-legacy-w19.zstd.rpm",
                       "compressed"});
  CHECK(Under(doc, "archives/pkg.deb!") ==
        std::set<Row>{{"data.tar.xz!etc/default/ntpdate", 3, 13, "ntpdate-servers", "active", "error"}});
  for (std::string rpm : {"archives/ntp-legacy-w9.gzd.rpm!", "archives/ntp-legacy-w19.zstd.rpm!"})
    CHECK(Under(doc, rpm) ==
          std::set<Row>{{"etc/sysconfig/ntpd", 1, 16, "ntp-daemon-options", "active", "error"}});
  for (std::string z : {"gz", "bz2", "xz", "zst"})
    CHECK(Under(doc, "compressed/ntp.conf." + z + "!") ==
          std::set<Row>{{"ntp.conf", 3, 8, "ntp-conf-source", "active", "error"},
                        {"ntp.conf", 5, 10, "ntp-conf-reference", "reference", "warning"}});
}

TEST_CASE("container images: layers squashed with whiteouts, opaque directories, hard links", "[images][layers]") {
  Json doc = ScanJson({"images/layers-docker25.tar", "images/layers-classic.tar", "images/layers-oci-compressed.tar"});
  CHECK(doc["notices"].empty());  // the layer without a trailer is tolerated
  std::set<Row> layered = {{"etc/chrony.d/corp.conf", 1, 8, "chrony-source", "active", "error"},
                           {"etc/chrony.d/hardlink.conf", 1, 8, "chrony-source", "active", "error"},
                           {"etc/default/ntpdate", 1, 13, "ntpdate-servers", "active", "error"},
                           {"layer-0/etc/chrony/chrony.conf", 1, 6, "chrony-source", "shadowed", "note"},
                           {"layer-0/etc/ntp.conf", 1, 8, "ntp-conf-source", "shadowed", "note"},
                           {"layer-0/etc/ntp.d/old.conf", 1, 8, "ntp-conf-source", "shadowed", "note"},
                           {"layer-0/srv/ntp/ntp.conf", 1, 8, "ntp-conf-source", "shadowed", "note"}};
  for (std::string image : {"images/layers-docker25.tar", "images/layers-classic.tar",
                            "images/layers-oci-compressed.tar"}) {
    INFO(image);
    std::set<Row> got;
    for (const Row& r : Under(doc, image + "!", true))
      if (!r.where.starts_with("blobs/") && !r.where.ends_with(".json")) got.insert(r);
    CHECK(got == layered);
  }
  // Why each one is hidden, in the message.
  std::map<std::string, std::string> why;
  for (const Json& f : doc["findings"]) why[f["location"]] = f["message"];
  CHECK(why["images/layers-docker25.tar!layer-0/etc/chrony/chrony.conf"].find("deleted in layer 2 (.wh.chrony.conf)") != std::string::npos);
  CHECK(why["images/layers-docker25.tar!layer-0/etc/ntp.d/old.conf"].find("opaque directory etc/ntp.d in layer 3") != std::string::npos);
  CHECK(why["images/layers-docker25.tar!layer-0/etc/ntp.conf"].find("replaced in layer 1") != std::string::npos);
  CHECK(why["images/layers-docker25.tar!layer-0/srv/ntp/ntp.conf"].find("replaced by a non-directory in layer 4") != std::string::npos);
  // The image config's history (`RUN echo 'server 10.20.30.40' > /etc/ntp.conf`) is text too.
  bool history = false;
  for (const Row& r : Under(doc, "images/layers-classic.tar!")) history |= r.where.ends_with(".json");
  CHECK(history);
}

TEST_CASE("container images made by umoci and skopeo, as a directory, tar and docker-archive", "[images][layers]") {
  Json doc = ScanJson({"images/oci", "images/oci.tar", "images/docker.tar", "images/docker.tar.gz"});
  for (std::string image : {"images/oci!", "images/oci.tar!", "images/docker.tar!", "images/docker.tar.gz!"}) {
    INFO(image);
    std::set<Row> shadowed;
    for (const Row& r : Under(doc, image, true))
      if (r.activity == "shadowed") shadowed.insert(r);
    CHECK(shadowed == std::set<Row>{{"layer-0/etc/ntp.d/old.conf", 1, 8, "ntp-conf-source", "shadowed", "note"}});
  }
}

TEST_CASE("every layer as it is, with --layers all", "[images][layers]") {
  Json doc = ScanJson({"--layers", "all", "images/layers-docker25.tar"});
  std::set<Row> got;
  for (const Row& r : Under(doc, "images/layers-docker25.tar!"))
    if (r.where.starts_with("layer-")) got.insert(r);
  CHECK(got == std::set<Row>{{"layer-0/etc/chrony/chrony.conf", 1, 6, "chrony-source", "active", "error"},
                             {"layer-0/etc/default/ntpdate", 1, 13, "ntpdate-servers", "active", "error"},
                             {"layer-0/etc/ntp.conf", 1, 8, "ntp-conf-source", "active", "error"},
                             {"layer-0/etc/ntp.d/old.conf", 1, 8, "ntp-conf-source", "active", "error"},
                             {"layer-0/srv/ntp/ntp.conf", 1, 8, "ntp-conf-source", "active", "error"},
                             {"layer-1/etc/chrony.d/corp.conf", 1, 8, "chrony-source", "active", "error"},
                             {"layer-1/etc/chrony.d/hardlink.conf", 1, 8, "chrony-source", "active", "error"}});
}

TEST_CASE("a multi-platform image index is reported per platform", "[images][layers]") {
  Json doc = ScanJson({"images/multiarch-oci.tar"});
  std::set<Row> got;
  for (const Row& r : Under(doc, "images/multiarch-oci.tar!"))
    if (r.where.starts_with("linux-")) got.insert(r);
  CHECK(got == std::set<Row>{{"linux-amd64/etc/ntp.conf", 1, 8, "ntp-conf-source", "active", "error"},
                             {"linux-arm64-v8/etc/ntp.conf", 1, 8, "ntp-conf-source", "active", "error"}});
}

TEST_CASE("SARIF: flattened URIs for results, the spec chain in artifacts, layer and partition facts", "[images][sarif]") {
  RunResult r = Scan({"--format", "sarif", "disks/lvm.img", "images/layers-docker25.tar"});
  REQUIRE(r.exit_code == 1);
  Json run = Json::parse(r.out)["runs"][0];
  const Json& artifacts = run["artifacts"];
  auto chain_of = [&](size_t index) {
    std::vector<std::string> parts;
    for (const Json* a = &artifacts[index];; a = &artifacts[(*a)["parentIndex"].get<size_t>()]) {
      parts.insert(parts.begin(), (*a)["location"]["uri"].get<std::string>());
      if (!a->contains("parentIndex")) {
        CHECK((*a)["location"]["uriBaseId"] == "%SRCROOT%");
        break;
      }
      CHECK_FALSE((*a)["location"].contains("uriBaseId"));
    }
    return parts;
  };
  bool saw_lvm = false, saw_layer = false;
  for (const Json& res : run["results"]) {
    const Json& loc = res["locations"][0]["physicalLocation"]["artifactLocation"];
    std::string uri = loc["uri"];
    CHECK(loc["uriBaseId"] == "%SRCROOT%");
    CHECK(uri.find(':') == std::string::npos);
    CHECK(uri.find('!') == std::string::npos);
    CHECK_FALSE(loc.contains("index"));
    const Json& props = res["properties"];
    std::vector<std::string> chain = chain_of(props["artifactIndex"].get<size_t>());
    std::string joined;
    for (const std::string& p : chain) joined += (joined.empty() ? "" : "/") + p;
    CHECK(joined == uri);
    if (uri == "disks/lvm.img/p1/lvm/vgtest/root/etc/ntp.conf") {
      saw_lvm = true;
      CHECK(chain == std::vector<std::string>{"disks/lvm.img", "p1", "lvm/vgtest/root/etc/ntp.conf"});
      CHECK(props["location"] == "disks/lvm.img!p1!lvm/vgtest/root/etc/ntp.conf");
      CHECK(props["partition"] == "p1");
      CHECK(props["partitionTable"] == "gpt");
      CHECK(props["lvm"] == "vgtest/root");
      CHECK(props["filesystem"] == "ext4");
    }
    if (uri == "images/layers-docker25.tar/layer-0/etc/ntp.conf") {
      saw_layer = true;
      CHECK(res["level"] == "note");
      CHECK(props["layer"] == "0");
      CHECK(props["layerDigest"].get<std::string>().starts_with("sha256:"));
      CHECK(props["shadowedBy"] == "replaced in layer 1");
    }
  }
  CHECK(saw_lvm);
  CHECK(saw_layer);

  // GitHub's ingestion rules and the SARIF 2.1.0 schema accept it (scripts/validate-sarif.sh).
  TempDir tmp;
  std::string sarif = tmp / "images.sarif";
  ShellResult v = Shell("'" + kBinary + "' scan -q --host 10.20.30.40 --format sarif -o '" + sarif +
                        "' disks/lvm-stream.vmdk images/layers-docker25.tar nested/outer.tar "
                        "hostile/past-end.img; '" + std::string(NTPSWEEP_SOURCE_DIR) +
                        "/scripts/validate-sarif.sh' '" + sarif + "' 2>&1");
  INFO(v.out);
  CHECK(v.out.find(": valid (") != std::string::npos);
}

TEST_CASE("disk images: unsupported formats are named, GPT names do not matter", "[images][disks]") {
  // An operand nothing of which can be read is an input error (exit 2).
  RunResult r = Scan({"--format", "json", "disks/gpt.qcow2", "disks/btrfs.img", "hostile/luks-part.img"});
  CHECK(r.exit_code == 2);
  Json doc = Json::parse(r.out);
  std::set<std::string> messages;
  for (const Json& n : doc["notices"]) messages.insert(n["message"]);
  CHECK(messages == std::set<std::string>{
                        "disks/gpt.qcow2: qcow2 is not supported; nothing inside it was scanned",
                        "disks/btrfs.img: btrfs file system is not supported; nothing inside it was scanned",
                        "hostile/luks-part.img!p2: LUKS-encrypted volume is not supported; nothing inside it was scanned"});
  CHECK(Under(doc, "hostile/luks-part.img!p1/") == TreeRows());
}

TEST_CASE("disk images: the disk reader is a module found beside the binary",
          "[images][disks][module]") {
  // The binary alone, as if its module were not installed: the image is a notice naming where
  // the module was looked for, and the plain tree beside it is still scanned.
  TempDir tmp;
  namespace fs = std::filesystem;
  const std::string bin = tmp / "bin/ntpsweep";
  fs::create_directories(tmp / "bin");
  fs::copy_file(kBinary, bin);
  const std::string installed = (fs::path(tmp / "bin") / NTPSWEEP_MODULE_DIR).lexically_normal();
  auto scan = [&] {
    std::vector<std::string> args = {"scan", "-q", "--format", "json"};
    args.insert(args.end(), kHosts.begin(), kHosts.end());
    args.insert(args.end(), {"disks/ext4.img", "tree"});
    args.insert(args.begin(), bin);
    RunOptions o;
    o.cwd = kFx;
    return RunCommand(args, o);
  };
  RunResult r = scan();
  INFO(r.err);
  CHECK(r.exit_code == 2);  // an operand that cannot be read, as any unreadable disk image
  Json doc = Json::parse(r.out);
  CHECK(NoticeIds(doc) == std::set<std::string>{"disk-error"});
  std::string text = NoticeText(doc, "disk-error");
  CHECK(text.starts_with(
      "disks/ext4.img: cannot open the ext disk image: the disk reader is missing"));
  CHECK(text.find(tmp / "bin/ntpsweep-disk.so") != std::string::npos);
  CHECK(text.find(installed + "/ntpsweep-disk.so") != std::string::npos);
  CHECK(Under(doc, "tree/") == TreeRows());
  CHECK(Under(doc, "disks/ext4.img!").empty());
  // The module where `cmake --install` puts it, relative to the binary: the image is read.
  fs::create_directories(installed);
  fs::copy_file(fs::path(kBinary).parent_path() / "ntpsweep-disk.so",
                installed + "/ntpsweep-disk.so");
  r = scan();
  CHECK(r.exit_code == 1);
  doc = Json::parse(r.out);
  CHECK(NoticeIds(doc).empty());
  CHECK(Under(doc, "disks/ext4.img!") == TreeRows());
  CHECK(Under(doc, "tree/") == TreeRows());
}

TEST_CASE("disk images: FAT32, NTFS, FAT16 and exFAT volumes as Windows and USB sticks have them",
          "[images][disks][windows]") {
  Json doc = ScanJson({"--stats", "disks/windows.img", "disks/usb-fat16.img", "disks/exfat.img"});
  // NTFS's own files ($MFT, $LogFile, $Boot...) are not the system's: $Boot is not taken for a
  // disk of its own (no notice), and $MFT's copy of small files' text is not read.
  CHECK(doc["notices"].empty());
  CHECK(doc["stats"]["bytes"].get<uint64_t>() < (16u << 10));
  // The ESP: only the UEFI shell script; grub.cfg names other hosts (10.20.30.41, 10.20.30.401);
  // old-ntp.conf, deleted, still has its entry and clusters.
  CHECK(Under(doc, "disks/windows.img!p1/") ==
        std::set<Row>{{"startup.nsh", 3, 18, "text-mention", "mention", "warning"}});
  // NTFS: long names with umlauts (UTF-16 in the MFT); decoy.cmd names other hosts only.
  CHECK(Under(doc, "disks/windows.img!p2/") ==
        std::set<Row>{
            {"ProgramData/Zeitgeber Überwachung/Zeitserver für alle Außenstellen einstellen.ps1", 2,
             107, "w32time-registry-command", "active", "error"},
            {"ProgramData/chrony/chrony.conf", 2, 6, "chrony-source", "active", "error"},
            {"Windows/Setup/Scripts/SetupComplete.cmd", 2, 32, "shell-time-daemon-command",
             "active", "error"}});
  // FAT16: a long non-ASCII directory name (VFAT), and the server in a file's second fragment.
  CHECK(Under(doc, "disks/usb-fat16.img!") ==
        std::set<Row>{{"Zeitserver Konfiguration für Außenstellen/ntp.conf", 1, 8,
                       "ntp-conf-source", "active", "error"},
                      {"fragmented.conf", 41, 8, "embedded-time-directive", "active", "error"}});
  CHECK(Under(doc, "disks/exfat.img!").empty());
  // Each finding names the file system TSK found around it.
  Json sarif =
      Json::parse(Scan({"--format", "sarif", "disks/windows.img", "disks/usb-fat16.img"}).out);
  std::set<std::string> systems;
  for (const Json& res : sarif["runs"][0]["results"]) {
    std::string loc = res["properties"]["location"];
    systems.insert(loc.substr(0, loc.find('/', loc.find('!'))) + " " +
                   res["properties"]["filesystem"].get<std::string>());
  }
  CHECK(systems ==
        std::set<std::string>{"disks/windows.img!p1 fat32", "disks/windows.img!p2 ntfs",
                              "disks/usb-fat16.img!Zeitserver Konfiguration für Außenstellen fat16",
                              "disks/usb-fat16.img!fragmented.conf fat16"});
}

TEST_CASE("symbolic links resolve inside the image root, never on the host", "[images][links]") {
  Json doc = ScanJson({"disks/links-ext4.img", "disks/links-xfs.img", "archives/links.tar"});
  CHECK(doc["notices"].empty());
  for (std::string image : {"disks/links-ext4.img!", "disks/links-xfs.img!", "archives/links.tar!"}) {
    INFO(image);
    CHECK(Under(doc, image) ==
          std::set<Row>{{"etc/chrony.conf", 1, 8, "ntp-conf-source", "active", "error"},
                        {"etc/escape.conf", 1, 8, "ntp-conf-source", "active", "error"},
                        {"etc/long.conf", 1, 8, "ntp-conf-source", "active", "error"},
                        {"etc/ntp.conf", 1, 8, "ntp-conf-source", "active", "error"},
                        {"etc/ntpsec/ntp.conf", 1, 8, "ntp-conf-source", "active", "error"}});
  }
  RunResult r = Scan({"--format", "sarif", "disks/links-ext4.img"});
  Json sarif = Json::parse(r.out);
  for (const Json& res : sarif["runs"][0]["results"])
    if (res["properties"]["location"] == "disks/links-ext4.img!etc/escape.conf")
      CHECK(res["properties"]["symlinkTo"] == "disks/links-ext4.img!etc/ntpsec/ntp.conf");
}

// A file of an image that renders a finding's variable is read again from the image at the end
// (not kept in the member store: alone, from its pieces of the image, the image not walked
// again), and relates the finding as the pass would; a file of the same name in a tar scanned
// alongside consumes another variable (decoy). A 1 MiB binary file inside is read for its head
// alone (it was read 1 MiB at a time).
TEST_CASE("files of a disk image are linked by reading them again from the image",
          "[images][linkage]") {
  for (std::string image : {"disks/linked-ext4.img", "disks/linked-xfs.img"}) {
    INFO(image);
    RunResult r =
        Scan({"--format", "json", "--stats", "-j", "2", image, "archives/linked-decoy.tar"});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    Json doc = Json::parse(r.out);
    CHECK(doc["notices"].empty());
    std::vector<std::string> related;
    for (const Json& f : doc["findings"])
      for (const Json& rel : f.value("related", Json::array()))
        related.push_back(f["location"].get<std::string>() + " -> " +
                          rel["location"].get<std::string>() + ":" +
                          std::to_string(rel["line"].get<int>()));
    CHECK(related == std::vector<std::string>{image + "!tf/variables.tf -> " + image +
                                              "!tf/scripts/chrony.sh:2"});
    const size_t kept = r.err.find("members kept for linkage");
    REQUIRE(kept != std::string::npos);
    CHECK(std::stoull(r.err.substr(kept + 24)) == 0);
    const size_t alone = r.err.find("image files read alone");
    REQUIRE(alone != std::string::npos);
    CHECK(std::stoull(r.err.substr(alone + 22)) > 0);
    const size_t walked = r.err.find("containers walked again");
    REQUIRE(walked != std::string::npos);
    CHECK(std::stoull(r.err.substr(walked + 23)) == 0);
    CHECK(doc["stats"]["decompressed"].get<uint64_t>() < (64u << 10));
  }
}

TEST_CASE("the same input gives the same bytes, run after run", "[images][stable]") {
  std::vector<std::string> args = {"--format", "sarif", "-j", "2", "images/layers-docker25.tar", "disks/gpt-stream.vmdk",
                                   "nested/outer.tar", "disks/lvm.img"};
  RunResult a = Scan(args), b = Scan(args);
  CHECK(a.exit_code == 1);
  CHECK(a.out == b.out);
}

TEST_CASE("hostile inputs end in a clear notice, never a crash or a hang", "[images][hostile]") {
  SECTION("a nested zip bomb") {
    Json doc = ScanJson({"hostile/bomb.zip"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"limit-ratio"});
    CHECK(NoticeText(doc, "limit-ratio").starts_with("hostile/bomb.zip!layer2-00.zip!"));
  }
  SECTION("zeros behind zstd") {
    Json doc = ScanJson({"hostile/zeros.tar.zst"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"limit-ratio"});
  }
  SECTION("a truncated gzip") {
    Json doc = ScanJson({"hostile/truncated.tar.gz"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"archive-error"});
    CHECK(NoticeText(doc, "archive-error").find("truncated gzip input") != std::string::npos);
  }
  SECTION("members named with .. and absolute paths") {
    Json doc = ScanJson({"hostile/unsafe.tar"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"archive-unsafe-name"});
    CHECK(Under(doc, "hostile/unsafe.tar!") ==
          std::set<Row>{{"etc/chrony/chrony.conf", 1, 6, "chrony-source", "active", "error"},
                        {"etc/ntp.conf", 1, 8, "ntp-conf-source", "active", "error"}});
  }
  SECTION("a corrupt superblock") {
    Json doc = ScanJson({"hostile/corrupt-superblock.img"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"corrupt-file-system"});
  }
  SECTION("a partition table pointing past the end of the image") {
    Json doc = ScanJson({"hostile/past-end.img"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"partition-table-error", "partition-out-of-range"});
    std::set<std::string> where;
    for (const Json& n : doc["notices"]) where.insert(n["location"]);
    CHECK(where == std::set<std::string>{"hostile/past-end.img", "hostile/past-end.img!p1", "hostile/past-end.img!p2"});
    // The part of p1 inside the image was still read.
    CHECK(Under(doc, "hostile/past-end.img!p1/").count({"etc/ntp.conf", 3, 8, "ntp-conf-source", "active", "error"}));
  }
  SECTION("--max-entries") {
    Json doc = ScanJson({"--max-entries", "50", "hostile/many.tar"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"limit-entries"});
    CHECK(doc["findings"].size() == 50);
  }
  SECTION("--max-entry-size") {
    Json doc = ScanJson({"--max-entry-size", "1MiB", "hostile/big-member.tar"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"limit-entry-size"});
    CHECK(Under(doc, "hostile/big-member.tar!") ==
          std::set<Row>{{"etc/ntp.conf", 1, 8, "ntp-conf-source", "active", "error"}});
  }
  SECTION("--max-file-size") {
    Json doc = ScanJson({"--max-file-size", "4096", "hostile/big-member.tar"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"entry-truncated"});
  }
  SECTION("--max-input-size") {
    Json doc = ScanJson({"--max-input-size", "1MiB", "hostile/big-member.tar", "archives/rootfs.tar"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"limit-input-size"});
    CHECK(Under(doc, "archives/rootfs.tar!") == TreeRows());  // per input: the next operand is read
  }
  SECTION("--max-depth") {
    Json doc = ScanJson({"--max-depth", "2", "hostile/level3.tar"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"limit-depth"});
    CHECK(doc["notices"][0]["location"] == "hostile/level3.tar!level2.tar!level1.tar.gz");
    CHECK(doc["findings"].empty());
    Json deeper = ScanJson({"hostile/level3.tar"});
    CHECK(Under(deeper, "hostile/level3.tar!level2.tar!level1.tar.gz!").count(
        {"ntp.conf", 3, 8, "ntp-conf-source", "active", "error"}));
  }
  SECTION("--max-buffer") {
    Json doc = ScanJson({"--max-buffer", "100", "nested/outer.tar"});
    CHECK(NoticeIds(doc) == std::set<std::string>{"limit-buffer"});
    CHECK(NoticeText(doc, "limit-buffer").starts_with("nested/outer.tar!rootfs.7z: 7zip needs random access"));
  }
}

TEST_CASE("stdin: an archive or an image piped in", "[images][stdin]") {
  ShellResult r = Shell("cat archives/rootfs.tar.gz | '" + kBinary +
                        "' scan -q --host 10.20.30.40 --host ntp-old.corp.example.com --format json -");
  REQUIRE(r.exit_code == 1);
  CHECK(Under(Json::parse(r.out), "-!") == TreeRows());
  r = Shell("cat images/layers-docker25.tar | '" + kBinary + "' scan -q --host 10.20.30.40 --format json -");
  REQUIRE(r.exit_code == 1);
  CHECK(Under(Json::parse(r.out), "-!").count({"etc/default/ntpdate", 1, 13, "ntpdate-servers", "active", "error"}));
}

TEST_CASE("directories: archives and images inside are opened unless --archives off", "[images][walk]") {
  Json on = ScanJson({"nested", "images"});
  CHECK(Under(on, "nested/outer.tar!images/rootfs.tar.zst!") == TreeRows());
  CHECK(Under(on, "images/oci!") == TreeRows());  // an OCI layout met during the walk
  Json off = ScanJson({"--archives", "off", "nested"});
  CHECK(off["findings"].empty());
  CHECK(off["stats"]["binary_skipped"] == 0);
  CHECK(off["stats"]["skipped"]["archive-not-opened"] == 1);  // said, not a silent binary
}

TEST_CASE("archives off: operands are read, archives found inside them are counted, not opened",
          "[images][walk]") {
  // The planted tree holds one compressed file (opt/legacy/ntp.conf.gz); every container of it
  // is still read, the .gz inside is left closed and counted, in every format alike.
  std::set<Row> closed_gz;
  for (const Row& r : TreeRows())
    if (!r.where.starts_with("opt/legacy/ntp.conf.gz!")) closed_gz.insert(r);
  REQUIRE(closed_gz.size() + 1 == TreeRows().size());
  const std::vector<std::pair<std::string, std::string>> containers = {
      {"tree/", "tree"},
      {"archives/rootfs.tar!", "archives/rootfs.tar"},
      {"archives/rootfs.tar.gz!", "archives/rootfs.tar.gz"},
      {"archives/rootfs.tar.zst!", "archives/rootfs.tar.zst"},
      {"archives/rootfs.zip!", "archives/rootfs.zip"},
      {"archives/rootfs.7z!", "archives/rootfs.7z"},
      {"images/oci.tar!", "images/oci.tar"},  // layer blobs are part of the image
      {"images/docker.tar.gz!", "images/docker.tar.gz"},
      {"disks/ext4.img!", "disks/ext4.img"},
      {"disks/gpt-stream.vmdk!p1/", "disks/gpt-stream.vmdk"},
      {"disks/gpt-stream.vmdk!p2/", ""},
  };
  std::vector<std::string> args = {"--archives", "off"};
  for (const auto& [prefix, operand] : containers)
    if (!operand.empty()) args.push_back(operand);
  Json off = ScanJson(args);
  CHECK(off["notices"].empty());
  for (const auto& [prefix, operand] : containers) {
    INFO(prefix);
    CHECK(Under(off, prefix) == closed_gz);
  }
  CHECK(off["stats"]["skipped"]["archive-not-opened"] == containers.size());
  // An archive inside an archive operand: its findings are there by default, and with
  // --archives off it is named on -v and counted.
  CHECK(!Under(ScanJson({"nested/outer.tar"}), "nested/outer.tar!images/rootfs.tar.zst!").empty());
  RunOptions o;
  o.cwd = kFx;
  RunResult v = RunNtpsweep({"scan", "-v", "--host", "10.20.30.40", "--archives", "off", "--format",
                             "json", "nested/outer.tar"},
                            o);
  CHECK(v.err.find("ntpsweep: skip nested/outer.tar!images/rootfs.tar.zst (zstd, not opened "
                   "(--archives off))") != std::string::npos);
  Json nested = Json::parse(v.out);
  CHECK(nested["findings"].empty());
  CHECK(nested["stats"]["skipped"]["archive-not-opened"] == 3);  // the .tar.zst, .deb and .7z
}

TEST_CASE("reading is read-only: nothing is written next to the inputs or to TMPDIR", "[images][readonly]") {
  TempDir tmp;
  auto listing = [](const std::string& dir) {
    std::set<std::pair<std::string, long>> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      out.insert({e.path().string(), e.is_regular_file() ? static_cast<long>(e.file_size()) : -1});
    return out;
  };
  auto before = listing(kFx);
  ShellResult r = Shell("TMPDIR='" + tmp.path() + "' '" + kBinary +
                        "' scan -q --host 10.20.30.40 nested disks/lvm-stream.vmdk images/oci hostile/bomb.zip >/dev/null");
  CHECK(r.exit_code == 1);  // findings (the report went to /dev/null)
  CHECK(listing(kFx) == before);
  CHECK(std::filesystem::is_empty(tmp.path()));
}

TEST_CASE("progress: drawn on a terminal for long inputs, silent otherwise", "[images][progress]") {
  // NTPSWEEP_PROGRESS=now draws as the input begins: no waiting for the first second to pass.
  std::string slow = "NTPSWEEP_PROGRESS=now '" + kBinary +
                     "' scan --host 10.20.30.40 --format json -o /dev/null < archives/rootfs.tar.gz";
  auto in_terminal = [](const std::string& cmd) {  // `script` gives the command a terminal
    std::string quoted;
    for (char c : cmd) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return "script -qec '" + quoted + "' /dev/null";
  };
  ShellResult tty = Shell(in_terminal(slow + " -"));
  CHECK(tty.out.find("ntpsweep: stdin: ") != std::string::npos);
  CHECK(tty.out.find(" entries, ") != std::string::npos);
  ShellResult quiet = Shell(in_terminal(slow + " -q -"));
  CHECK(quiet.out.find("ntpsweep: stdin: ") == std::string::npos);
  ShellResult pipe = Shell(slow + " - 2>&1");
  CHECK(pipe.out.find("ntpsweep: stdin: ") == std::string::npos);
}

}  // namespace
