// The list of files read (scan/read_files.h): the same files back, in order and by index,
// whether its records stay in memory or go to a temporary file; and includes and linkage of a
// scan whose list outgrew its memory budget.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "host/target.h"
#include "rules/rule.h"
#include "run_binary.h"
#include "scan/read_files.h"
#include "scan/scan.h"

using ntpsweep::Location;
using ntpsweep::scan::ReadEntry;
using ntpsweep::scan::ReadFiles;

namespace {

// Files as a walk of two operands makes them, with the odd ones a walk does not: a location
// that is not the path, a disk path that does not end with it, near-identical neighbours.
std::vector<ReadEntry> SomeFiles(size_t n) {
  std::vector<ReadEntry> files;
  for (size_t i = 0; i < n; ++i) {
    ReadEntry e;
    std::string root = i % 3 == 0 ? "repo-b/" : "repo-a/";
    e.path = root + "dir" + std::to_string(i / 50) + "/sub" + std::to_string(i % 7) + "/file-" +
             std::to_string(i) + (i % 11 == 0 ? std::string(300, 'x') : "") + ".conf";
    e.fs_path = i % 13 == 0 ? "/elsewhere/" + std::to_string(i) : "/scan/" + e.path;
    e.root = root;
    e.location = i % 17 == 0 ? Location{{"outer.tar", e.path}} : Location{{e.path}};
    e.link = i % 5 == 0;
    e.unread = !e.link && i % 3 == 1;  // a --changed-since scan's unchanged file
    files.push_back(std::move(e));
  }
  return files;
}

void Fill(ReadFiles* list, const std::vector<ReadEntry>& files) {
  for (size_t i = 0; i < files.size(); ++i) {
    const ReadEntry& e = files[i];
    REQUIRE(list->Add(e.location, e.path, e.fs_path, e.root, e.link, std::nullopt, e.unread) == i);
  }
  REQUIRE(list->size() == files.size());
}

// Every file back by index (in a shuffled order), in order, and with its link and unread marks.
void CheckRoundTrip(const ReadFiles& list, const std::vector<ReadEntry>& files) {
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(11));
  for (size_t i : order) {
    ReadEntry got;
    std::string error;
    REQUIRE(list.Get(i, &got, &error));
    INFO(i);
    CHECK(got.path == files[i].path);
    CHECK(got.fs_path == files[i].fs_path);
    CHECK(got.root == files[i].root);
    CHECK(got.location == files[i].location);
    CHECK(got.link == files[i].link);
    CHECK(got.unread == files[i].unread);
  }
  size_t next = 0;
  std::string error = list.ForEach([&](size_t i, std::string_view path, bool unread) {
    REQUIRE(i == next);
    CHECK(path == files[i].path);
    CHECK(unread == files[i].unread);
    ++next;
  });
  CHECK(error.empty());
  CHECK(next == files.size());
  size_t links = 0;
  for (ReadFiles::Stream s(list); s.Next();) {
    ReadEntry e = s.Entry();
    CHECK(e.path == files[s.index()].path);
    CHECK(e.link == files[s.index()].link);
    links += e.link;
  }
  CHECK(links == static_cast<size_t>(std::count_if(files.begin(), files.end(),
                                                   [](const ReadEntry& e) { return e.link; })));
}

}  // namespace

TEST_CASE("read files: every file back past the memory budget, by index and in order",
          "[scan][read-files]") {
  std::vector<ReadEntry> files = SomeFiles(3000);
  // Budgets that split records and restart groups across the spill boundary at many places.
  for (size_t budget : {size_t{1}, size_t{61}, size_t{4096}}) {
    INFO(budget);
    ReadFiles list(budget);
    Fill(&list, files);
    CHECK(list.spill_error().empty());
    CHECK(list.bytes_spilled() > 0);
    CheckRoundTrip(list, files);
  }
}

TEST_CASE("read files: under the budget nothing goes to a temporary file", "[scan][read-files]") {
  std::vector<ReadEntry> files = SomeFiles(200);
  ReadFiles list;
  Fill(&list, files);
  CHECK(list.bytes_spilled() == 0);
  CheckRoundTrip(list, files);
}

TEST_CASE("read files: without a temporary file the records stay in memory", "[scan][read-files]") {
  std::vector<ReadEntry> files = SomeFiles(3000);
  ReadFiles list(64, "/nonexistent/ntpsweep-read-files-test");
  Fill(&list, files);
  CHECK(list.spill_error().find("/nonexistent/ntpsweep-read-files-test") != std::string::npos);
  CHECK(list.bytes_spilled() == 0);
  CHECK(list.bytes_in_memory() > 3000 * 10);
  CheckRoundTrip(list, files);
}

// Pieces appended to a stream whose file is made come back by their offsets, across blocks and
// the last block in memory; a large piece goes to the file as it is (no copy of it left in
// memory), and without a file it stays in memory like the rest. Each piece has its own bytes: one
// read from a wrong offset is not the one appended.
TEST_CASE("spill stream: large pieces go to the file as they are, every piece back",
          "[scan][read-files]") {
  using ntpsweep::scan::SpillStream;
  constexpr size_t kBlock = 4096;
  const size_t kLarge = SpillStream::kWriteThroughBytes;
  std::vector<std::string> pieces;
  for (size_t i = 0; i < 60; ++i) {
    const size_t size = i % 7 == 3 ? kLarge + i * 1013 : i % 5 == 0 ? kLarge - 1 : 1 + i * 37;
    std::string piece(size, static_cast<char>('a' + i % 26));
    piece.replace(0, std::min(size, std::to_string(i).size()), std::to_string(i).substr(0, size));
    pieces.push_back(std::move(piece));
  }
  auto check_back = [&](const SpillStream& stream) {
    uint64_t at = 0;
    std::string got, error;
    for (size_t i = 0; i < pieces.size(); ++i) {
      INFO(i);
      REQUIRE(stream.Read(at, pieces[i].size(), &got, &error));
      CHECK(got == pieces[i]);
      // Across a piece's end into the next one's start.
      if (i + 1 < pieces.size()) {
        REQUIRE(stream.Read(at + pieces[i].size() - 1, 2, &got, &error));
        CHECK(got == std::string{pieces[i].back(), pieces[i + 1].front()});
      }
      at += pieces[i].size();
    }
    CHECK(at == stream.size());
  };
  SECTION("with a temporary file") {
    ntpsweep::testing::TempDir tmp;
    SpillStream stream(kBlock, tmp.path(), "test pieces");
    REQUIRE(stream.Open());
    for (const std::string& p : pieces) {
      stream.Append(p);
      // A large piece is written at once, after what was left in memory before it: no byte is
      // left in memory (nor a copy of the piece).
      if (p.size() >= kLarge) CHECK(stream.bytes_spilled() == stream.size());
    }
    CHECK(stream.spill_error().empty());
    check_back(stream);
    // A small piece goes into the last block again.
    stream.Append("tail");
    CHECK(stream.bytes_spilled() < stream.size());
    std::string got, error;
    REQUIRE(stream.Read(stream.size() - 4, 4, &got, &error));
    CHECK(got == "tail");
  }
  SECTION("without a temporary file") {
    SpillStream stream(kBlock, "/nonexistent/ntpsweep-spill-stream-test", "test pieces");
    for (const std::string& p : pieces) stream.Append(p);
    CHECK_FALSE(stream.spill_error().empty());
    CHECK(stream.bytes_spilled() == 0);
    check_back(stream);
  }
}

namespace {

// (file, line, rule, related locations as file:line) of a scan of `roots` for the two targets.
using Rows = std::set<std::tuple<std::string, uint32_t, std::string, std::string>>;

Rows ScanRows(const std::vector<std::string>& roots, size_t list_memory, std::string temp_dir,
              ntpsweep::ScanStats* stats) {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::host::TargetSet targets;
  std::string error;
  REQUIRE(targets.Add("192.0.2.10", &error));
  REQUIRE(targets.Add("10.20.30.40", &error));
  REQUIRE(targets.Add("ntp-old.corp.example.com", &error));
  ntpsweep::scan::ScanOptions options;
  options.operands = roots;
  options.read_list_memory = list_memory;
  options.temp_dir = std::move(temp_dir);
  auto result = ntpsweep::scan::RunScan(options, rules, targets);
  *stats = result.stats;
  Rows rows;
  std::string source = std::string(NTPSWEEP_SOURCE_DIR) + "/";
  auto rel = [&](const Location& l) {
    std::string p = l.Render();
    return p.starts_with(source) ? p.substr(source.size()) : p;
  };
  for (const auto& f : result.findings) {
    std::string related;
    for (const auto& r : f.related)
      related += rel(r.location) + ":" + std::to_string(r.span.line) + " ";
    rows.emplace(rel(f.location), f.span.line, f.rule_id, related);
  }
  return rows;
}

}  // namespace

TEST_CASE("read files: includes and linkage of a scan whose list outgrew its memory",
          "[scan][read-files][includes][linkage]") {
  std::string src = NTPSWEEP_SOURCE_DIR;
  std::vector<std::string> roots = {src + "/fixtures/includes", src + "/fixtures/syntaxes/shell",
                                    src + "/fixtures/syntaxes/docker"};
  ntpsweep::ScanStats in_memory, spilled, no_temp;
  Rows want = ScanRows(roots, 1u << 20, "", &in_memory);
  CHECK(in_memory.file_list_spilled == 0);
  Rows got = ScanRows(roots, 16, "", &spilled);
  CHECK(spilled.file_list_spilled > 0);
  CHECK(got == want);
  CHECK(ScanRows(roots, 16, "/nonexistent/ntpsweep-read-files-test", &no_temp) == want);
  CHECK(no_temp.file_list_spilled == 0);
  CHECK(!no_temp.file_list_error.empty());
  // What the rows must hold: a file read with the including daemon's syntax, one that is not
  // included (free text only), a variable linked to the line that renders it, a file linked to
  // the COPY that installs it.
  auto has = [&](const std::string& file, uint32_t line, const std::string& rule,
                 const std::string& related_part) {
    return std::any_of(want.begin(), want.end(), [&](const auto& r) {
      return std::get<0>(r) == file && std::get<1>(r) == line && std::get<2>(r) == rule &&
             std::get<3>(r).find(related_part) != std::string::npos;
    });
  };
  CHECK(has("fixtures/includes/etc/chrony/corp.d/10-old.conf", 2, "chrony-source", ""));
  CHECK(has("fixtures/includes/etc/ntp/notes.txt", 1, "text-mention", ""));
  CHECK(!has("fixtures/includes/etc/ntp/notes.txt", 1, "ntp-conf-source", ""));
  CHECK(std::any_of(want.begin(), want.end(), [](const auto& r) {
    return std::get<0>(r) == "fixtures/syntaxes/shell/provision.sh" &&
           std::get<3>(r).find("fixtures/syntaxes/shell/provision.sh:7 ") != std::string::npos;
  }));
  CHECK(std::any_of(want.begin(), want.end(), [](const auto& r) {
    return std::get<0>(r) == "fixtures/syntaxes/docker/chrony.conf" &&
           std::get<3>(r).find("fixtures/syntaxes/docker/Dockerfile:16 ") != std::string::npos;
  }));
}

namespace {

// A candidate's text: its own path and index in it (a text read back for its neighbour differs),
// of varied lengths: empty, a few bytes, past the 1 MiB memory block.
std::string CandidateText(const ReadEntry& e, size_t i) {
  if (i % 7 == 0) return "";
  std::string text = "text of " + e.path + " #" + std::to_string(i) + "\n";
  if (i % 29 == 5) text.resize(ReadFiles::kTextMemoryBytes + 3000 + i, 'x');
  return text;
}

// Fills `list` with `files`, each candidate with its text (every third one's not offered).
void FillWithTexts(ReadFiles* list, const std::vector<ReadEntry>& files) {
  for (size_t i = 0; i < files.size(); ++i) {
    const ReadEntry& e = files[i];
    std::optional<std::string_view> offered;
    const std::string text = CandidateText(e, i);
    if (e.link && i % 3 != 0) offered = text;
    REQUIRE(list->Add(e.location, e.path, e.fs_path, e.root, e.link, offered, e.unread) == i);
  }
}

// Every candidate's text read back from where its record says, kept while the budget had room
// (texts offered, in order, as long as they fit); returns the bytes kept.
uint64_t CheckTexts(const ReadFiles& list, const std::vector<ReadEntry>& files, uint64_t budget) {
  uint64_t used = 0;
  size_t kept = 0;
  for (ReadFiles::Stream s(list); s.Next();) {
    const size_t i = s.index();
    INFO(i);
    const ReadEntry& e = files[i];
    const std::string want = CandidateText(e, i);
    const bool offered = e.link && i % 3 != 0;
    const bool fits = offered && used + want.size() <= budget;
    REQUIRE(s.kept() == fits);
    if (!s.kept()) continue;
    used += want.size();
    ++kept;
    CHECK(s.text_size() == want.size());
    std::string got, error;
    REQUIRE(list.ReadText(s.text_at(), s.text_size(), &got, &error));
    CHECK(got == want);
  }
  CHECK(list.texts_kept() == kept);
  return used;
}

}  // namespace

// The texts of linkage candidates (ReadFiles::Add's `text`) come back whole, each by its own
// record, past the memory block into the temporary file, up to the budget; without a temporary
// file up to kTextHoldBytes in memory; none with a budget of 0. The file list is unchanged.
TEST_CASE("read files: candidates' texts back by their records, within their budget",
          "[scan][read-files]") {
  const std::vector<ReadEntry> files = SomeFiles(3000);
  {
    ReadFiles list(4096);
    FillWithTexts(&list, files);
    CHECK(list.text_error().empty());
    CHECK(CheckTexts(list, files, ReadFiles::kTextBytes) > 4 * ReadFiles::kTextMemoryBytes);
    CHECK(list.text_bytes_spilled() > 0);
    CHECK(list.text_bytes_in_memory() <= ReadFiles::kTextMemoryBytes);
    CheckRoundTrip(list, files);
  }
  {
    // A budget that ends partway: a later smaller text is still kept.
    ReadFiles list(4096, "", 3 * ReadFiles::kTextMemoryBytes);
    FillWithTexts(&list, files);
    CHECK(CheckTexts(list, files, 3 * ReadFiles::kTextMemoryBytes) > 0);
    CheckRoundTrip(list, files);
  }
  {
    ReadFiles list(4096, "/nonexistent/ntpsweep-read-files-test");
    FillWithTexts(&list, files);
    CHECK(list.text_error().find("/nonexistent/ntpsweep-read-files-test") != std::string::npos);
    CHECK(CheckTexts(list, files, ReadFiles::kTextHoldBytes) > 0);
    CHECK(list.text_bytes_spilled() == 0);
    CHECK(list.text_bytes_in_memory() <= ReadFiles::kTextHoldBytes + ReadFiles::kTextMemoryBytes);
    CheckRoundTrip(list, files);
  }
  {
    ReadFiles list(4096, "", 0);
    FillWithTexts(&list, files);
    CHECK(CheckTexts(list, files, 0) == 0);
    CHECK(list.text_bytes_spilled() == 0);
    CheckRoundTrip(list, files);
  }
}
