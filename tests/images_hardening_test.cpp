// Hostile archives and disk images (issue 9): scripts/make-hardening-inputs.sh builds them at
// test time without root, each with a planted reference beside the hostile part. Every case
// asserts what is still found, the notice that names the gap (by its words, not just its id),
// and for the decompression bombs the bytes decompressed (--stats' `decompressed`), never time.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h
using Json = nlohmann::json;

const std::string& Inputs() {
  static const std::string dir = [] {
    std::string d = std::string(NTPSWEEP_IMAGE_FIXTURES) + "-hardening";
    std::string cmd =
        "'" + kSourceDir + "/scripts/make-hardening-inputs.sh' '" + d + "' >/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return d;
  }();
  return dir;
}

// The exit code and the JSON report of a scan of `args` in the inputs directory; with
// `no_error`, exit 2 fails the test (its stderr shown).
std::pair<int, Json> ScanExit(std::vector<std::string> args, bool no_error = false) {
  std::vector<std::string> full = {"scan", "-q", "--host", "10.20.30.40", "--format", "json"};
  full.insert(full.end(), args.begin(), args.end());
  RunOptions o;
  o.cwd = Inputs();
  RunResult r = RunNtpsweep(full, o);
  INFO(r.err);
  REQUIRE(r.signal == 0);
  if (no_error) REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  return {r.exit_code, Json::parse(r.out)};
}

Json Scan(std::vector<std::string> args) {
  return ScanExit(std::move(args), true).second;
}

std::set<std::string> FindingPlaces(const Json& doc) {
  std::set<std::string> out;
  for (const Json& f : doc["findings"])
    out.insert(f["location"].get<std::string>() + ":" + std::to_string(f["line"].get<int>()));
  return out;
}

// Notices as "id @ location: message".
std::vector<Json> Notices(const Json& doc, const std::string& id) {
  std::vector<Json> out;
  for (const Json& n : doc["notices"])
    if (n["id"] == id) out.push_back(n);
  return out;
}

bool HasNotice(const Json& doc, const std::string& id, const std::string& location,
               const std::string& words) {
  for (const Json& n : Notices(doc, id))
    if (n.value("location", "") == location &&
        n["message"].get<std::string>().find(words) != std::string::npos)
      return true;
  return false;
}

uint64_t Decompressed(const Json& doc) {
  return doc["stats"]["decompressed"].get<uint64_t>();
}

TEST_CASE("zips whose members overlap are refused member by member", "[images][hardening][zip]") {
  SECTION("each member's data runs on into the next one's (200 members over 1 MiB)") {
    Json doc = Scan({"zip-overlap.zip"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"zip-overlap.zip!etc/ntp.conf:1"});
    CHECK(
        HasNotice(doc, "archive-error", "zip-overlap.zip!bomb/0000",
                  "zip-overlap.zip: member bomb/0000 shares its stored data with another member"));
    CHECK(HasNotice(doc, "archive-error", "zip-overlap.zip!bomb/0019",
                    "member bomb/0019 shares its stored data"));
    CHECK(Notices(doc, "archive-error").size() == 21);  // 20 named, then one for them all
    CHECK(HasNotice(doc, "archive-error", "zip-overlap.zip",
                    "200 central-directory entries share stored data with others"));
    // Without the check this zip gives 200 MiB; only the planted member is decompressed.
    CHECK(Decompressed(doc) < 4096);
  }
  SECTION("fifty central entries name one local header") {
    Json doc = Scan({"zip-shared.zip"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"zip-shared.zip!etc/ntp.conf:1"});
    CHECK(HasNotice(doc, "archive-error", "zip-shared.zip!shared.txt", "shares its stored data"));
    // libarchive lists the shared header once; the count says how many entries pointed at it.
    CHECK(HasNotice(doc, "archive-error", "zip-shared.zip",
                    "50 central-directory entries share stored data"));
    CHECK(Decompressed(doc) < 4096);
  }
}

TEST_CASE("the ratio limit holds for each archive as a whole", "[images][hardening][ratio]") {
  // The tar is mostly random bytes (its ratio is low); its gzip member expands 1000 times.
  Json doc = Scan({"--max-ratio", "100", "ratio-nested.tar"});
  CHECK(FindingPlaces(doc) == std::set<std::string>{"ratio-nested.tar!etc/ntp.conf:1"});
  CHECK(HasNotice(doc, "limit-ratio", "ratio-nested.tar!bomb.gz", "stopped reading this archive"));
  CHECK(Notices(doc, "limit-ratio").size() == 1);
  CHECK(Decompressed(doc) < (32u << 20));  // 64 MiB behind the gzip
}

TEST_CASE("the whole scan is bounded by --max-total-bytes", "[images][hardening][total]") {
  Json doc =
      Scan({"--max-total-bytes", "3MiB", "total-1.tar.gz", "total-2.tar.gz", "total-3.tar.gz"});
  CHECK(FindingPlaces(doc).count("total-1.tar.gz!etc/ntp.conf:1"));
  CHECK(HasNotice(doc, "limit-total-size", "total-2.tar.gz!etc/ntp.conf",
                  "stopped reading: the scan decompressed 3 MiB"));
  CHECK(HasNotice(doc, "limit-total-size", "total-3.tar.gz",
                  "not opened: the scan already decompressed 3 MiB"));
  CHECK(Decompressed(doc) <= (3u << 20) + (1u << 20));  // at most one block past the budget
  Json all = Scan({"total-1.tar.gz", "total-2.tar.gz", "total-3.tar.gz"});
  CHECK(FindingPlaces(all).size() == 3);
  CHECK(Notices(all, "limit-total-size").empty());
}

TEST_CASE("a compressed file is decompressed only up to --max-file-size",
          "[images][hardening][gzip]") {
  Json doc = Scan({"--max-file-size", "1048576", "ntp.conf.gz"});
  CHECK(FindingPlaces(doc) == std::set<std::string>{"ntp.conf.gz!ntp.conf:1"});
  CHECK(HasNotice(doc, "entry-truncated", "ntp.conf.gz!ntp.conf", "only the first 1048576 bytes"));
  // 64 MiB behind the gzip; one libarchive block past the limit at most.
  CHECK(Decompressed(doc) <= (2u << 20));
}

TEST_CASE("a tar member with a damaged header is named", "[images][hardening][tar]") {
  Json doc = Scan({"tar-badsum.tar"});
  CHECK(FindingPlaces(doc) ==
        std::set<std::string>{"tar-badsum.tar!etc/ntp.conf:1", "tar-badsum.tar!etc/chrony.conf:1"});
  CHECK(HasNotice(doc, "archive-error", "tar-badsum.tar",
                  "Damaged tar archive (after 1 members); what follows"));
  CHECK(Notices(doc, "archive-error").size() == 1);  // one damaged header, one notice
}

TEST_CASE("ext4: corrupt inodes and superblocks end in a notice", "[images][hardening][ext4]") {
  SECTION("a directory inode claiming 3.75 GiB of block-mapped data is not read") {
    Json doc = Scan({"ext4-bigdir.img"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"ext4-bigdir.img!etc/ntp.conf:1"});
    CHECK(HasNotice(doc, "disk-error", "ext4-bigdir.img!var/lib/a",
                    "its inode claims 4026531840 bytes for a directory on a 4194304-byte volume"));
  }
  SECTION("a corrupt inode size or block size is named") {
    Json doc = Scan({"ext4-inode-size.img", "ext4-block-size.img", "ext4.img"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"ext4.img!etc/ntp.conf:1"});
    CHECK(
        HasNotice(doc, "corrupt-file-system", "ext4-inode-size.img", "an inode size of 100 bytes"));
    CHECK(HasNotice(doc, "corrupt-file-system", "ext4-block-size.img",
                    "a block size of 4096 bytes that does not fit its first data block 1"));
  }
}

TEST_CASE("ext4 META_BG: files whose block group descriptors META_BG moved are read",
          "[images][hardening][ext4]") {
  // TSK 4.11 reads every descriptor from the first table: these files were special files or
  // nothing. An inline file, an extent-mapped one and a small one; 600 decoys fill the rest.
  Json doc = Scan({"ext4-meta-bg.img"});
  CHECK(FindingPlaces(doc) == std::set<std::string>{"ext4-meta-bg.img!zz/ntp.conf:1",
                                                    "ext4-meta-bg.img!zz/inline.conf:1",
                                                    "ext4-meta-bg.img!zz/big.conf:2"});
  CHECK(doc["notices"].empty());
  CHECK(doc["stats"]["entries"].get<int>() == 600 + 3);
  // The raw inode check finds its inode through the moved descriptor too.
  Json claim = Scan({"ext4-meta-bg-claim.img"});
  CHECK(FindingPlaces(claim) == std::set<std::string>{"ext4-meta-bg-claim.img!zz/ntp.conf:1",
                                                      "ext4-meta-bg-claim.img!zz/big.conf:2"});
  CHECK(
      HasNotice(claim, "disk-error", "ext4-meta-bg-claim.img!zz/inline.conf",
                "its inode claims 1650811949 bytes of inline data, more than its 256-byte inode"));
}

TEST_CASE("ext3/4: a journal left unreplayed is replayed as mounting would",
          "[images][hardening][ext4]") {
  // Each image's findings, inside it, must be those of its copy e2fsck replayed; the file system
  // itself holds an ntp.conf naming a host not asked for, and no chrony.conf.
  auto inside = [](const Json& doc) {
    std::set<std::string> out;
    for (const std::string& place : FindingPlaces(doc))
      out.insert(place.substr(place.find('!') + 1));
    return out;
  };
  const std::set<std::string> both = {"etc/ntp.conf:1", "etc/chrony/chrony.conf:1"};
  struct Case {
    std::string name;
    std::set<std::string> places;
    std::string replayed;  // what the journal-replayed note says, or "" for none
  };
  for (const Case& c :
       std::vector<Case>{{"ext4-journal", both, "1 committed transaction ("},
                         {"ext4-journal-csum", both, "1 committed transaction ("},
                         {"ext4-journal-revoke", {"etc/ntp.conf:1"}, "2 committed transactions ("},
                         {"ext4-journal-uncommitted", {}, ""},
                         {"ext3-journal", both, "1 committed transaction ("}}) {
    CAPTURE(c.name);
    Json doc = Scan({c.name + ".img"});
    CHECK(inside(doc) == c.places);
    CHECK(inside(doc) == inside(Scan({c.name + ".replayed.img"})));
    if (c.replayed.empty()) {
      CHECK(doc["notices"].empty());
    } else {
      CHECK(Notices(doc, "journal-replayed").size() == 1);
      CHECK(HasNotice(doc, "journal-replayed", c.name + ".img", c.replayed));
    }
  }
}

TEST_CASE("XFS: directories of every shape are read, with or without file types",
          "[images][hardening][xfs]") {
  // Short form, one block, leaf and B+tree directories (v4 with 8 KiB directory blocks and no
  // file type bytes; v5 with them), raw and through TSK's image; 4,441 decoys name another host.
  // ln-short: the link kept in its inode, reported as the path it gives to the file.
  const std::set<std::string> expected = {"d-short/ntp.conf:1", "d-block/zz-ntp.conf:1",
                                          "d-leaf/zz-ntp.conf:1", "d-node/zz-ntp.conf:1",
                                          "ln-short:1"};
  for (const std::string image : {"xfs-shapes-v5.img", "xfs-shapes-v4.img", "xfs-shapes-v5.vmdk"}) {
    INFO(image);
    Json doc = Scan({image});
    std::set<std::string> places;
    for (const std::string& p : FindingPlaces(doc)) places.insert(p.substr(image.size() + 1));
    CHECK(places == expected);
    CHECK(doc["notices"].empty());
    CHECK(doc["stats"]["entries"].get<int>() == 2 + 41 + 401 + 4001);  // the regular files
    CHECK(doc["stats"]["skipped"]["symlink"] == 2);
  }
}

TEST_CASE("XFS: a log left dirty is named; its files are still read", "[images][hardening][xfs]") {
  // Nothing here replays an XFS log; the clean logs of the shapes images above have no notice.
  for (const std::string v : {"v5", "v4"}) {
    const std::string image = "xfs-dirty-" + v + ".img";
    INFO(image);
    Json doc = Scan({image});
    CHECK(FindingPlaces(doc).size() == 5);
    CHECK(doc["notices"].size() == 1);
    CHECK(HasNotice(doc, "disk-error", image,
                    "not unmounted cleanly (its last record, at block 2 of the log, is not an "
                    "unmount record) and its log is not replayed here"));
  }
}

TEST_CASE("ext4: a root inode that is no directory is named, not read as an empty volume",
          "[images][hardening][ext4]") {
  for (const std::string image : {"ext4-root-zeroed.img", "ext4-gdt-zeroed.img"}) {
    INFO(image);
    Json doc = Scan({image});
    CHECK(doc["findings"].empty());
    CHECK(doc["notices"].size() == 1);
    CHECK(HasNotice(doc, "corrupt-file-system", image,
                    ": its root directory's inode (2) is not a directory (no type: zeroed or "
                    "never written); nothing scanned"));
  }
  CHECK(Scan({"ext4.img"})["notices"].empty());  // the image they were made from
}

TEST_CASE("UFS: a bare UFS1 volume is read, a UFS2 one named", "[images][hardening][ufs]") {
  // Their magic lies past the head a file is sniffed by: both were skipped as binary files.
  Json one = Scan({"ufs1.img"});
  CHECK(FindingPlaces(one) == std::set<std::string>{"ufs1.img!etc/ntp.conf:1"});
  CHECK(one["notices"].empty());
  Json two = Scan({"ufs2.img"});
  CHECK(two["findings"].empty());
  CHECK(HasNotice(two, "no-file-system", "ufs2.img", "no file system recognised"));
}

TEST_CASE("ext4: extent trees of two leaf blocks are read", "[images][hardening][ext4]") {
  // TSK 4.11 gives up on both (a disk-error for the directory, an unreadable file); the decoy
  // beside the planted reference names a host not asked for.
  Json doc = Scan({"ext4-extent-trees.img"});
  CHECK(FindingPlaces(doc) == std::set<std::string>{"ext4-extent-trees.img!many/zz-ntp.conf:1",
                                                    "ext4-extent-trees.img!big.conf:1800"});
  CHECK(doc["notices"].empty());
  CHECK(doc["stats"]["entries"].get<int>() == 400 + 2 + 150 + 1);  // the names, both files, fill
}

TEST_CASE("raw disk images: files read by their extents give the libraries' findings",
          "[images][hardening][extents]") {
  // The same GPT disk raw (its ext4 and XFS files read by pread from their extents) and as a
  // VMDK (read through libvmdk, TSK and libfsxfs): a fragmented file with the reference on its
  // last line, a file ending in a hole, files in a partition at an offset and in XFS's second
  // allocation group. The decoy lines name a host not asked for; a wrong offset loses a line.
  const std::set<std::string> expected = {"p1/etc/ntp.conf:1", "p1/frag.conf:121",
                                          "p1/sparse.conf:3", "p2/big.conf:30001", "p2/ntp.conf:2"};
  for (const std::string disk : {"pieces-disk.img", "pieces-disk.vmdk"}) {
    INFO(disk);
    Json doc = Scan({disk});
    std::set<std::string> places;
    for (const std::string& p : FindingPlaces(doc)) places.insert(p.substr(disk.size() + 1));
    CHECK(places == expected);
    REQUIRE(doc["notices"].size() == 1);  // the hole: zeros from where the text ends
    CHECK(HasNotice(doc, "binary-tail", disk + "!p1/sparse.conf",
                    "only the text before byte 3048 was read"));
  }
  // The ext4 volume cut short inside its files' blocks: each file past the end is named, as the
  // Sleuth Kit names it, and nothing is read from past the end.
  Json cut = Scan({"pieces-ext4-cut.img"});
  CHECK(cut["findings"].empty());
  CHECK(HasNotice(cut, "disk-error", "pieces-ext4-cut.img!frag.conf",
                  "cannot map the file's extents"));
  CHECK(HasNotice(cut, "unreadable-entry", "pieces-ext4-cut.img!sparse.conf",
                  "Offset missing in partial image"));
}

TEST_CASE("GPT: empty partitions do not spend the read budget of the disk",
          "[images][hardening][gpt]") {
  // 140 empty volumes and one of unknown bytes before the ext4 one: each probe once read the
  // rest of the disk, and the last volumes got "cannot read: no reason given".
  Json doc = Scan({"gpt-many-empty.img"});
  CHECK(FindingPlaces(doc) == std::set<std::string>{"gpt-many-empty.img!p142/etc/ntp.conf:1"});
  CHECK(Notices(doc, "disk-error").empty());
  CHECK(Notices(doc, "no-file-system").size() == 141);
  CHECK(HasNotice(doc, "no-file-system", "gpt-many-empty.img!p1",
                  "the volume is empty (all zeros); nothing scanned"));
  CHECK(HasNotice(doc, "no-file-system", "gpt-many-empty.img!p141", "no file system recognised"));
  // The same through libvhdi: 200 empty partitions of a dynamic VHD, then the ext4 one.
  Json vhd = Scan({"gpt-many-empty.vhd"});
  CHECK(FindingPlaces(vhd) == std::set<std::string>{"gpt-many-empty.vhd!p201/etc/ntp.conf:1"});
  CHECK(Notices(vhd, "disk-error").empty());
  CHECK(Notices(vhd, "no-file-system").size() == 200);
}

TEST_CASE("a VMDK cut short is named as truncated", "[images][hardening][vmdk]") {
  SECTION("the operand: an error, exit 2, and what can be read is still scanned") {
    auto [code, doc] = ScanExit({"vmdk-cut.vmdk"});
    CHECK(code == 2);
    REQUIRE(Notices(doc, "disk-error").size() == 1);
    CHECK(Notices(doc, "disk-error")[0]["level"] == "error");
    CHECK(HasNotice(doc, "disk-error", "vmdk-cut.vmdk",
                    "vmdk-cut.vmdk: the VMDK is truncated: the grain for disk byte "));
    CHECK(HasNotice(doc, "disk-error", "vmdk-cut.vmdk", "; the part that is there is scanned"));
  }
  SECTION("a streamOptimized VMDK cut to a fifth") {
    auto [code, doc] = ScanExit({"vmdk-stream-cut.vmdk"});
    CHECK(code == 2);
    CHECK(HasNotice(doc, "disk-error", "vmdk-stream-cut.vmdk",
                    "vmdk-stream-cut.vmdk: the VMDK is truncated: the grain for disk byte "));
    CHECK(FindingPlaces(doc).empty());
  }
  SECTION("met in a directory walk: a warning") {
    auto [code, doc] = ScanExit({"vmdk-dir"});
    CHECK(code == 0);
    REQUIRE(Notices(doc, "disk-error").size() == 1);
    CHECK(Notices(doc, "disk-error")[0]["level"] == "warning");
    CHECK(HasNotice(doc, "disk-error", "vmdk-dir/vmdk-cut.vmdk", "the VMDK is truncated"));
  }
  SECTION("decoy: the whole VMDK has no notice") {
    auto [code, doc] = ScanExit({"vmdk-whole.vmdk"});
    CHECK(code == 1);
    CHECK(FindingPlaces(doc) == std::set<std::string>{"vmdk-whole.vmdk!p1/etc/ntp.conf:1"});
    CHECK(doc["notices"].empty());
  }
}

TEST_CASE("GPT: a bad entry costs only itself", "[images][hardening][gpt]") {
  SECTION(
      "one entry past the end (TSK rejects the table), one backwards, one corrupt file system") {
    Json doc = Scan({"gpt-bad-entry.img"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"gpt-bad-entry.img!p1/etc/ntp.conf:1"});
    CHECK(HasNotice(doc, "partition-table-error", "gpt-bad-entry.img",
                    "the Sleuth Kit rejected the GPT partition table ("));
    CHECK(HasNotice(doc, "partition-out-of-range", "gpt-bad-entry.img!p2",
                    "GPT entry 2 is not read: it starts at sector 26624, past the end of the "
                    "24576-sector disk"));
    CHECK(HasNotice(doc, "partition-out-of-range", "gpt-bad-entry.img!p4",
                    "GPT entry 4 is not read: its first sector 22000 comes after its last 21000"));
    CHECK(HasNotice(doc, "corrupt-file-system", "gpt-bad-entry.img!p3",
                    "an inode size of 100 bytes"));
    CHECK(Notices(doc, "partition-table-error").size() == 1);  // the CRCs match: no second notice
  }
  SECTION("entries past 128 keep their numbers and are read") {
    Json doc = Scan({"gpt-many.img"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"gpt-many.img!p1/etc/ntp.conf:1",
                                                      "gpt-many.img!p140/etc/ntp.conf:1"});
    CHECK(Notices(doc, "partition-out-of-range").empty());
    CHECK(HasNotice(doc, "skipped-volume", "gpt-many.img!p139", "swap space"));
  }
  SECTION("an entry covering the whole disk is named") {
    Json doc = Scan({"gpt-whole-disk.img"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"gpt-whole-disk.img!p1/etc/ntp.conf:1"});
    CHECK(HasNotice(
        doc, "partition-out-of-range", "gpt-whole-disk.img!p2",
        "GPT entry 2 is not read: it covers sectors 0-16383, the partition table's own included"));
  }
}

TEST_CASE("GPT: a damaged primary header is named and the backup read",
          "[images][hardening][gpt]") {
  SECTION("a zeroed primary header: the protective MBR still says GPT, the backup is read") {
    Json doc = Scan({"gpt-primary-gone.img"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"gpt-primary-gone.img!p1/etc/ntp.conf:1"});
    CHECK(HasNotice(doc, "partition-table-error", "gpt-primary-gone.img",
                    "the primary GPT is damaged (no GPT header at sector 1); the partitions were "
                    "read from the backup table at the end of the disk"));
    CHECK(Notices(doc, "no-file-system").empty());  // not the protective partition as a volume
  }
  SECTION("a primary header whose CRC does not match is named") {
    Json doc = Scan({"gpt-primary-crc.img"});
    CHECK(FindingPlaces(doc) == std::set<std::string>{"gpt-primary-crc.img!p1/etc/ntp.conf:1"});
    CHECK(HasNotice(doc, "partition-table-error", "gpt-primary-crc.img",
                    "GPT: the header's CRC does not match (the entries were read all the same)"));
  }
  SECTION("decoy: a sound GPT has no table notice") {
    Json doc = Scan({"gpt-whole-disk.img"});
    CHECK(Notices(doc, "partition-table-error").empty());
  }
}

TEST_CASE("a text VMDK descriptor naming host files is not followed", "[images][hardening][vmdk]") {
  Json doc = Scan({"host-files.vmdk"});
  CHECK(HasNotice(doc, "unsupported-format", "host-files.vmdk",
                  "a VMDK descriptor; the extent files it names (\"/etc/shadow\", \"/dev/zero\") "
                  "are never opened"));
  CHECK(FindingPlaces(doc) ==
        std::set<std::string>{"host-files.vmdk:13"});  // the descriptor's own text
  // A VMDK renamed after it was made is read as itself: not as the file its descriptor names
  // beside it (disk.vmdk, the decoy, holds another tree), nor refused when there is none.
  Json copy = Scan({"renamed"});
  CHECK(FindingPlaces(copy) == std::set<std::string>{"renamed/disk.vmdk!etc/ntp.conf:1",
                                                     "renamed/copy.vmdk!etc/chrony.conf:1"});
  CHECK(copy["notices"].empty());
  Json lone = Scan({"lone/export-ami-0abc.vmdk"});
  CHECK(FindingPlaces(lone) ==
        std::set<std::string>{"lone/export-ami-0abc.vmdk!etc/chrony.conf:1"});
  CHECK(lone["notices"].empty());
  // The same file met in a directory walk gets the same notice.
  Json walked = Scan({"."});
  CHECK(HasNotice(walked, "unsupported-format", "host-files.vmdk", "are never opened"));
}

}  // namespace

TEST_CASE("directory entries naming nothing readable are named once per volume",
          "[images][hardening][ext4][fat][ufs]") {
  // Both were counted as a special file skipped (ext4), or not at all (FAT), and UFS's root read
  // as an empty volume: the decoy.conf beside the planted file was lost unsaid.
  SECTION("ext4: an entry naming a zeroed inode") {
    const std::string image = "ext4-inode-zeroed.img";
    Json doc = Scan({image});
    CHECK(FindingPlaces(doc) == std::set<std::string>{image + "!etc/ntp.conf:1"});
    CHECK(doc["notices"].size() == 1);
    CHECK(HasNotice(doc, "corrupt-file-system", image,
                    ": 1 directory entry names an inode of no file type, or one that cannot be "
                    "read (zeroed or garbage: a damaged file system), the first etc/decoy.conf; "
                    "not read"));
  }
  SECTION("FAT: an entry whose attribute byte is garbage") {
    const std::string image = "fat-attr-garbage.img";
    Json doc = Scan({image});
    CHECK(FindingPlaces(doc) == std::set<std::string>{image + "!etc/ntp.conf:1"});
    CHECK(doc["notices"].size() == 1);
    CHECK(HasNotice(doc, "corrupt-file-system", image,
                    ": 1 directory lists no \".\" entry, as every directory of this file system "
                    "does (its data zeroed, lost, or not a directory's: a damaged file system), "
                    "the first etc/decoy.conf; nothing in it was scanned"));
  }
  SECTION("UFS: a root directory whose data is zeroed") {
    const std::string image = "ufs1-root-zeroed.img";
    Json doc = Scan({image});
    CHECK(doc["findings"].empty());
    CHECK(doc["notices"].size() == 1);
    CHECK(HasNotice(doc, "corrupt-file-system", image,
                    ": 1 directory lists no \".\" entry, as every directory of this file system "
                    "does (its data zeroed, lost, or not a directory's: a damaged file system), "
                    "the first /; nothing in it was scanned"));
  }
  // Decoys: the images they were made from (the ext4 one's tree is ext4.img's, with
  // subdirectories).
  SECTION("sound volumes") {
    for (const std::string image : {"ext4.img", "fat-clean.img", "ufs1.img"}) {
      INFO(image);
      Json doc = Scan({image});
      CHECK(doc["notices"].empty());
      CHECK(FindingPlaces(doc).count(image + "!etc/ntp.conf:1") == 1);
    }
  }
}
