#include "core/fd.h"
#include "scan/scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <future>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

#include "core/file.h"
#include "core/glob.h"
#include "host/literal_search.h"
#include "host/prefilter.h"
#include "input/dispatch.h"
#include "scan/analyze.h"
#include "scan/guard.h"
#include "scan/inventory.h"
#include "scan/linkage.h"
#include "scan/member_links.h"
#include "scan/read_files.h"
#include "triage/suppress.h"

namespace ntpsweep::scan {
namespace {

// An inventory's sources travel the pipeline as findings, so image layers and hard links amend
// them like findings; these two carry the fields across.
Finding SourceAsFinding(Source s) {
  Finding f;
  f.rule_id = std::move(s.rule_id);
  f.location = std::move(s.location);
  f.span = s.span;
  f.matched = std::move(s.host);
  f.activity = s.activity;
  f.line_text = std::move(s.line_text);
  f.directive = std::move(s.directive);
  if (s.expression) f.properties.emplace_back("expression", "true");
  if (!s.embedded_path.empty()) f.properties.emplace_back("embeddedPath", std::move(s.embedded_path));
  if (!s.syntax.empty()) f.properties.emplace_back("syntax", std::move(s.syntax));
  // Properties get sorted: a zero-padded index keeps the variables in the order they were read.
  for (size_t i = 0; i < s.variables.size(); ++i) {
    char index[32];
    std::snprintf(index, sizeof index, "%06zu:", i);
    f.properties.emplace_back("variable", index + s.variables[i]);
  }
  return f;
}

Source FindingAsSource(Finding f) {
  Source s;
  s.rule_id = std::move(f.rule_id);
  s.location = std::move(f.location);
  s.span = f.span;
  s.host = std::move(f.matched);
  s.activity = f.activity;
  s.line_text = std::move(f.line_text);
  s.directive = std::move(f.directive);
  for (auto& [key, value] : f.properties) {
    if (key == "expression") s.expression = true;
    else if (key == "embeddedPath") s.embedded_path = std::move(value);
    else if (key == "syntax") s.syntax = std::move(value);
    else if (key == "variable") s.variables.push_back(value.substr(value.find(':') + 1));
  }
  return s;
}

// Seconds since the last lap, for --stats.
class PhaseClock {
 public:
  double Lap() {
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return seconds;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// What one worker counts without taking the pipeline's lock.
struct WorkerStats : ScanStats {
  double read_seconds = 0, prefilter_seconds = 0, reader_seconds = 0, rule_seconds = 0;
};

// The pipeline's queue: a ring of entries grown by doubling (to the queue's 4096 at most), kept
// for the run. std::deque's 512-byte blocks hold two ~216-byte entries: it allocated and freed a
// block every second file.
class EntryRing {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  void push_back(input::Entry&& entry) {
    if (size_ == slots_.size()) Grow();
    slots_[(head_ + size_) & (slots_.size() - 1)].emplace(std::move(entry));
    ++size_;
  }
  // Moves the first entry to `*out`.
  void pop_front(input::Entry* out) {
    std::optional<input::Entry>& first = slots_[head_];
    *out = std::move(*first);
    first.reset();
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }

 private:
  void Grow() {
    std::vector<std::optional<input::Entry>> bigger(std::max<size_t>(64, slots_.size() * 2));
    for (size_t i = 0; i < size_; ++i)
      bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    slots_ = std::move(bigger);  // a power of 2
    head_ = 0;
  }
  std::vector<std::optional<input::Entry>> slots_;
  size_t head_ = 0, size_ = 0;
};

// What a reader left unread for its size misses, in a scan (Linker::Observe).
constexpr std::string_view kUnlinked =
    "the files it installs and the variables it reads are not linked to findings";

// A `limit-reader-size` notice for each syntax whose reader left a document unread for its size
// (--max-reader-size), saying what that misses.
void ReportUnread(const Location& location, std::vector<std::pair<std::string, size_t>> unread,
                  size_t bound, std::string_view missing, std::vector<Notice>* notices) {
  std::sort(unread.begin(), unread.end());
  unread.erase(std::unique(unread.begin(), unread.end()), unread.end());
  for (const auto& [syntax, bytes] : unread)
    notices->push_back(Notice{Notice::Level::kWarning, "limit-reader-size", location, 0, 0,
                              location.Render() + ": " + ReaderBoundMessage(syntax, bytes, bound) +
                                  "; " + std::string(missing)});
}

class Pipeline : public input::EntrySink {
 public:
  Pipeline(const ScanOptions& options, const Analyzer& analyzer)
      : options_(options),
        analyzer_(analyzer),
        budget_(options.walk.limits.max_total_bytes),
        walk_(options.walk),
        read_files_(options.read_list_memory, options.temp_dir, options.link_text_bytes),
        member_links_(options.temp_dir, options.member_store_bytes) {
    walk_.budget = &budget_;
    walk_.listers = Jobs();  // listing beside the workers: one lister left them waiting
  }

  Linker* linker_ = nullptr;  // scan/linkage.h; null when options.link is off
  const SourceCollector* collector_ = nullptr;  // set for an inventory: sources, not findings

  void Add(input::Entry entry) override {
    if (std::string_view why = options_.select.Reject(entry.location, entry.path); !why.empty()) {
      // An unchanged file on disk is listed unread: a changed file that includes, installs or
      // sources it pulls it in (FollowIncludes).
      if (why == kUnchanged && !entry.fs_path.empty()) {
        std::lock_guard lock(files_mu_);
        read_files_.Add(entry.location, entry.path, entry.fs_path, entry.root, false, std::nullopt,
                        true);
      }
      CountSkipped(why);
      if (walk_.verbose) walk_.verbose->Line("skip", entry.location.Render(), why);
      return;
    }
    std::unique_lock lock(mu_);
    // Entries read from archives carry their bytes: bound the queue by bytes too. A full queue
    // is refilled once it has drained to a quarter below its bounds: woken per entry taken, the
    // walker and the workers switched places once a file (12k context switches on the rootfs).
    if (queue_.size() >= kQueueLimit || (queued_bytes_ >= kQueueBytes && !queue_.empty())) {
      ++adders_waiting_;
      not_full_.wait(lock, [&] { return Refillable(); });
      --adders_waiting_;
    }
    queued_bytes_ += entry.data.size();
    bool large = entry.data.size() >= (1u << 20);
    queue_.push_back(std::move(entry));
    // Workers are woken per batch: waking one per small entry cost the reader a quarter of its
    // time on an archive of 80k members. Run() wakes them all at the end.
    if (large || queue_.size() >= kWakeBatch) not_empty_.notify_one();
  }

  void Report(Notice notice) override {
    std::lock_guard lock(mu_);
    if (notice.level == Notice::Level::kError) result_.input_error = true;
    result_.notices.push_back(std::move(notice));
  }

  void CountSkipped(std::string_view why) override {
    std::lock_guard lock(mu_);
    ++skipped_[std::string(why)];
  }

  void Amend(input::Amendment amendment) override {
    std::lock_guard lock(mu_);
    amendments_.push_back(std::move(amendment));
  }

  ScanResult Run() {
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < Jobs(); ++i) workers.emplace_back([this] { Work(); });
    PhaseClock clock;
    for (const std::string& operand : options_.operands) {
      // An archive or image operand can be read again for the members linkage needs.
      if (operand != "-") member_links_.AddContainer(input::JoinDisplayPath(operand, ""), operand);
      input::OpenOperand(operand, walk_, *this);
    }
    double walk_seconds = clock.Lap();
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    not_empty_.notify_all();
    for (auto& w : workers) w.join();
    clock.Lap();
    // The rule words' database, which the judging below needs once a candidate passes the sieve
    // (30M instructions on the rootfs, compiled there by the first such candidate's Screen), is
    // compiled beside the includes and the sieve's own compilation, on a core they leave idle.
    std::jthread words;
    if (linker_ && options_.prefilter && !result_.findings.empty() &&
        (link_candidates_ > 0 || !member_links_.empty())) {
      try {
        words = std::jthread([this] { analyzer_.PrepareWords(); });
      } catch (const std::system_error&) {  // no thread to be had: the first Screen compiles it
      }
    }
    if (!collector_) {
      FollowIncludes();
      FollowMemberIncludes();
    }
    // Variables -> the templates and scripts that render them; files -> what installs them.
    // Linked where the members were read (a layer's COPY names its own layer's files): the
    // amendments below move findings and their related locations alike.
    if (linker_) ObserveDeferred();
    spare_buffers_.Clear();  // the last read is done: their memory goes before the report's
    if (linker_) linker_->Link(&result_.findings, Jobs());
    // Image layers and hard links: known only once every entry was read (input/container_rewrite.h).
    input::ApplyAmendments(amendments_, &result_.findings, &result_.notices);
    for (auto& [why, n] : skipped_) result_.stats.skipped.emplace_back(why, n);
    result_.stats.phases = {
        {"walk", walk_seconds},       {"read", read_seconds_},  {"prefilter", prefilter_seconds_},
        {"readers", reader_seconds_}, {"rules", rule_seconds_}, {"cross-file", clock.Lap()}};
    result_.stats.readers = analyzer_.ReaderCounts();
    result_.stats.readers_over_size = analyzer_.ReadersOverSize();
    result_.stats.decompressed = budget_.used();
    result_.stats.file_list_spilled = read_files_.bytes_spilled();
    result_.stats.file_list_memory = read_files_.bytes_in_memory();
    result_.stats.file_list_error = read_files_.spill_error();
    result_.stats.members_kept = member_links_.stored_members();
    result_.stats.member_bytes_on_disk = member_links_.stored_bytes_on_disk();
    result_.stats.member_bytes_in_memory = member_links_.stored_bytes_in_memory();
    result_.stats.member_store_error = member_links_.store_error();
    result_.stats.image_files_read_alone = member_links_.image_files_read_alone();
    result_.stats.containers_walked_again = member_links_.containers_walked_again();
    result_.stats.link_texts_kept = read_files_.texts_kept();
    result_.stats.link_text_bytes_on_disk = read_files_.text_bytes_spilled();
    result_.stats.link_text_bytes_in_memory = read_files_.text_bytes_in_memory();
    result_.stats.link_text_error = read_files_.text_error();
    SortFindings(&result_.findings);
    std::sort(result_.notices.begin(), result_.notices.end(), [](const Notice& a, const Notice& b) {
      return std::tie(a.location, a.line, a.message) < std::tie(b.location, b.line, b.message);
    });
    return std::move(result_);
  }

 private:
  static constexpr size_t kQueueLimit = 4096;

  // Whether a full queue has drained enough for the adder to go on (called under mu_).
  bool Refillable() const {
    return queue_.size() <= kQueueLimit / 4 * 3 &&
           (queued_bytes_ <= kQueueBytes / 4 * 3 || queue_.empty());
  }

  // A file named by an include directive (chrony `confdir /etc/chrony/extra`, ntpsec
  // `includefile`) is read again with the including syntax when its path did not already select
  // it. An unchanged file a --changed-since scan left unread is read when a file read includes,
  // installs or sources it (a ref with no syntax: read as its path selects). Rounds repeat for
  // what the files read here name; the depth is bounded like ntpd's.
  void FollowIncludes() {
    constexpr int kMaxRounds = 5;
    std::set<std::pair<std::string, std::string>> done;  // (path, syntax) already forced
    std::set<size_t> unread_read;  // read_files_ indexes of unread files read here
    ReadBuffer buffer = spare_buffers_.Take();
    for (int round = 0; round < kMaxRounds && !includes_.empty(); ++round) {
      std::vector<IncludeRef> pending = std::move(includes_);
      includes_.clear();
      std::map<size_t, std::vector<std::string>> forced;  // read_files_ index -> syntaxes
      // Looked up, not matched one by one, where a pattern names a path or all of a directory
      // (PathGlobSet): a script sourcing 5,000 files made 20,000 patterns for each of 50,000
      // files (10 s). A glob's literal head (most often the operand's path) is found once: one
      // GlobMatch per file and pattern stepped through it byte by byte was 62M instructions on
      // the rootfs.
      std::vector<std::string> patterns;
      for (const IncludeRef& inc : pending) patterns.push_back(inc.pattern);
      const PathGlobSet globs(std::move(patterns));
      std::string error = read_files_.ForEach([&](size_t i, std::string_view path, bool unread) {
        globs.ForEachMatch(path, [&](size_t k) {
          const IncludeRef& inc = pending[k];
          if ((!inc.syntax.empty() || unread) &&
              done.insert({std::string(path), inc.syntax}).second)
            forced[i].push_back(inc.syntax);
        });
      });
      if (!error.empty()) ListUnreadable(error);
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
      for (auto& forced_entry : forced) {
        size_t index = forced_entry.first;
        std::vector<std::string>& syntaxes = forced_entry.second;
        std::erase(syntaxes, std::string());  // pulled in: no syntax of its own to force
        ReadEntry e;
        if (std::string error; !read_files_.Get(index, &e, &error)) {
          ListUnreadable(error);
          continue;
        }
        bool truncated = false, binary = false;
        std::string error;
        std::string_view text;
        // Unreadable or binary: it was readable text moments ago, or (unread) has no text
        // to pull in. A change since is not worth a notice.
        if (!ReadFile(e.fs_path, options_.max_file_bytes, &buffer, &text, &truncated, &binary,
                      &error) ||
            NoText(text, binary))
          continue;
        std::vector<Notice> notices;  // the pass told those of a file it read
        std::string decoded;
        text = ScannedText(e.location, text, binary, &truncated, &decoded, &notices);
        // An unread file is read here for the first time: counted, and its notices told.
        const bool first = e.unread && unread_read.insert(index).second;
        if (first) {
          ++result_.stats.entries;
          ++result_.stats.analyzed;
          result_.stats.bytes += text.size();
          result_.stats.truncated += truncated;
          if (auto unchanged = skipped_.find(std::string(kUnchanged));
              unchanged != skipped_.end() && --unchanged->second == 0)
            skipped_.erase(unchanged);
        }
        std::vector<IncludeRef> includes;
        if (!AnalyseAgain(e.location, e.path, text, syntaxes, nullptr, &notices, &includes))
          continue;
        if (first)
          for (Notice& n : notices) result_.notices.push_back(std::move(n));
        for (IncludeRef& inc : includes) {
          if (inc.in_root) inc.pattern = e.root + inc.pattern;
          includes_.push_back(std::move(inc));
        }
      }
    }
    spare_buffers_.GiveBack(std::move(buffer));
  }

  // What an entry's findings carry of it: an upper image layer's shadow, its properties.
  static void MarkAsEntry(const input::Entry& entry, std::vector<Finding>* found) {
    for (Finding& f : *found) {
      if (entry.shadowed) {
        f.activity = Activity::kShadowed;
        f.severity = Severity::kNote;
      }
      f.properties.insert(f.properties.end(), entry.properties.begin(), entry.properties.end());
      std::sort(f.properties.begin(), f.properties.end());
    }
  }

  // An archive or image member the pass analysed (the gate saw a target or an include line in
  // it), and the include directives read in it, as globs of its container's member paths (an
  // absolute one from the container's root).
  void AddAnalysedMember(const Location& location, std::string_view path,
                         std::vector<IncludeRef> includes) {
    if (analysed_members_.size() >= kMaxAnalysedMembers) {
      analysed_members_left_out_ = true;
      return;
    }
    analysed_members_.push_back({location, std::string(path)});
    const Chain container(location.chain.begin(), location.chain.end() - 1);
    for (IncludeRef& inc : includes) {
      inc.pattern = LexicallyNormal(inc.pattern);  // a member "./etc/x" is listed as "etc/x"
      member_includes_.push_back({container, std::move(inc)});
    }
  }

  // FollowIncludes for archive and image members: a member another member of its container
  // names by an include directive is read again with the including syntax, unless a rule of that
  // syntax already reported in it. Only members the pass analysed are looked at (one the gate
  // turned away holds no target); those to read again are read by one filtered walk of their
  // container a round, as linkage reads members again.
  void FollowMemberIncludes() {
    constexpr int kMaxRounds = 5;
    if (member_includes_.empty()) return;
    if (analysed_members_left_out_)
      result_.notices.push_back(Notice{
          Notice::Level::kWarning, "include-not-followed", Location{}, 0, 0,
          "more than " + std::to_string(kMaxAnalysedMembers) +
              " archive and image members held a target or an include line: include directives "
              "in archives and images were followed among the first of them only"});
    std::map<std::string, std::string, std::less<>> syntax_of_rule;
    for (const rules::Rule* r : analyzer_.selector().rules())
      if (r->type == rules::MatchType::kDirective) syntax_of_rule.emplace(r->id, r->syntax);
    std::set<std::pair<Chain, std::string>> done;  // (member, syntax) already forced
    for (int round = 0; round < kMaxRounds && !member_includes_.empty(); ++round) {
      std::map<Chain, std::vector<IncludeRef>> by_container;
      for (auto& [container, ref] : member_includes_) by_container[container].push_back(ref);
      member_includes_.clear();
      // The syntaxes whose rules reported in each member so far.
      std::map<Chain, std::set<std::string>> reported;
      for (const Finding& f : result_.findings)
        if (auto r = syntax_of_rule.find(f.rule_id); r != syntax_of_rule.end())
          reported[f.location.chain].insert(r->second);
      // container -> member -> the syntaxes to read it with
      std::map<Chain, std::map<Chain, std::vector<std::string>>> again;
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
      for (const auto& container_refs : by_container) {
        const Chain& container = container_refs.first;
        const std::vector<IncludeRef>& refs = container_refs.second;
        std::vector<std::string> patterns;
        for (const IncludeRef& ref : refs) patterns.push_back(ref.pattern);
        const PathGlobSet globs(std::move(patterns));
        for (const AnalysedMember& m : analysed_members_) {
          const Chain& chain = m.location.chain;
          if (chain.size() != container.size() + 1 ||
              !std::equal(container.begin(), container.end(), chain.begin()))
            continue;
          globs.ForEachMatch(m.path, [&](size_t k) {
            const std::string& syntax = refs[k].syntax;
            auto r = reported.find(chain);
            if ((r == reported.end() || !r->second.count(syntax)) &&
                done.insert({chain, syntax}).second)
              again[container][chain].push_back(syntax);
          });
        }
      }
      for (const auto& [container, members] : again) ReadMembersAgain(container, members);
    }
  }

  // Walks `container` again for `members` alone, each analysed with its syntaxes forced; its
  // findings replace the first reading's, its include directives are followed next round.
  void ReadMembersAgain(const Chain& container,
                        const std::map<Chain, std::vector<std::string>>& members) {
    std::vector<Chain> chains;
    for (const auto& member : members) chains.push_back(member.first);
    input::WalkOptions walk = walk_;
    walk.budget = nullptr;  // read once already: not spent twice
    walk.progress = nullptr;
    walk.verbose = nullptr;
    walk.sink_reads_members = false;  // each entry carries its bytes
    const size_t read =
        scan::ReadMembersAgain(container.front(), walk, chains, [&](input::Entry& e) {
          std::string decoded;
          const std::string_view text = MemberText(e.data, &decoded);
          std::vector<Notice> notices;  // the pass told them
          std::vector<IncludeRef> includes;
          if (AnalyseAgain(e.location, e.path, text, members.at(e.location.chain), &e, &notices,
                           &includes))
            AddAnalysedMember(e.location, e.path, std::move(includes));
        });
    if (read < members.size())
      result_.notices.push_back(
          Notice{Notice::Level::kWarning, "include-not-followed", Location{container}, 0, 0,
                 Location{container}.Render() +
                     ": it could not be read again (or changed since the pass): " +
                     std::to_string(members.size() - read) +
                     " of its members named by include directives were not read with the including "
                     "daemon's syntax"});
  }

  // Analyses an entry's `text` again with `syntaxes` forced (none: as its path selects them);
  // the findings replace the first reading's (`entry`: a walked entry, whose shadow and
  // properties they carry). False when the analysis failed: the first reading stands.
  bool AnalyseAgain(const Location& location, std::string_view path, std::string_view text,
                    const std::vector<std::string>& syntaxes, const input::Entry* entry,
                    std::vector<Notice>* notices, std::vector<IncludeRef>* includes) {
    std::vector<Finding> found;
    if (!GuardEntry(location, &result_.notices, [&] {
          found = analyzer_.Analyze(location, path, text, notices, includes,
                                    syntaxes.empty() ? nullptr : &syntaxes);
        }))
      return false;
    triage::ApplyInlineSuppressions(text, &found);  // the first reading reported unused markers
    if (entry) MarkAsEntry(*entry, &found);
    // The new reading holds the same rules plus the forced ones.
    std::erase_if(result_.findings, [&](const Finding& f) { return f.location == location; });
    for (Finding& f : found) result_.findings.push_back(std::move(f));
    return true;
  }

  // Reads the linkage candidates on disk that name a variable or a file of a finding.
  void ObserveDeferred() {
    if ((link_candidates_ == 0 && member_links_.empty()) || result_.findings.empty()) return;
    const Linker::Sieve sieve(*linker_, result_.findings);
    if (sieve.needles().empty()) return;
    std::atomic<size_t> observed{0};
    // Called from several threads (the readers below, Replay's): failures gathered, then added.
    // `selection`: the rule selection the Screen just made (most of a small file's readers'
    // cost), or null. `reach`: the sieve's (only the installers' readers where it is kInstalls).
    auto observe_one = [&](const Location& location, std::string_view path, std::string_view text,
                           Linker::Sieve::Reach reach,
                           const std::vector<char>* selection = nullptr) {
      ++observed;
      std::vector<Notice> failed;
      const bool installs_only = reach == Linker::Sieve::Reach::kInstalls;
      GuardEntry(location, &failed, [&] {
        ReportUnread(
            location,
            linker_->Observe(location, path, text, &sieve.needles(), selection, installs_only),
            linker_->max_reader_bytes(), kUnlinked, &failed);
      });
      if (failed.empty()) return;
      std::lock_guard lock(mu_);
      for (Notice& n : failed) result_.notices.push_back(std::move(n));
    };
    // The candidates are marked in the list of files read (no writer is left), handed out in
    // its order, in batches: the texts the pass kept of one batch are one range of the kept
    // texts, read back at once; a candidate whose text was not kept is read again from disk.
    struct Candidate {
      size_t index = 0;
      // Copied into strings each reader reuses: most candidates are turned away by the sieve,
      // before their location is wanted.
      std::string path, fs_path;
      bool kept = false;
      uint64_t text_at = 0;
      size_t text_size = 0;
    };
    constexpr size_t kBatch = 64, kBatchBytes = 256u << 10;
    std::mutex stream_mu;
    ReadFiles::Stream stream(read_files_);
    size_t left = link_candidates_;
    // Fills `batch` from its start; returns how many candidates it holds (0: none left).
    auto next_batch = [&](std::vector<Candidate>* batch) {
      std::lock_guard lock(stream_mu);
      size_t n = 0, bytes = 0;
      while (n < kBatch && bytes < kBatchBytes && left > 0 && stream.Next()) {
        if (!stream.link()) continue;
        --left;
        if (batch->size() == n) batch->emplace_back();
        Candidate& c = (*batch)[n++];
        c.index = stream.index();
        c.path.assign(stream.path());
        stream.FsPath(&c.fs_path);
        c.kept = stream.kept();
        c.text_at = stream.text_at();
        c.text_size = stream.text_size();
        bytes += c.kept ? c.text_size : 0;
      }
      return n;
    };
    auto observe = [&] {
      ReadBuffer buffer = spare_buffers_.Take();
      std::vector<Candidate> batch;
      std::string texts, error, decoded;
      for (size_t n; (n = next_batch(&batch)) > 0;) {
        // The kept texts of a batch follow each other: [first's start, last's end).
        uint64_t begin = 0, end = 0;
        bool any = false;
        for (size_t i = 0; i < n; ++i) {
          if (!batch[i].kept) continue;
          if (!any) begin = batch[i].text_at;
          end = batch[i].text_at + batch[i].text_size;
          any = true;
        }
        // Unreadable kept texts: the files are read again instead, as without them.
        const bool have =
            any && read_files_.ReadText(begin, static_cast<size_t>(end - begin), &texts, &error);
        for (size_t i = 0; i < n; ++i) {
          const Candidate& c = batch[i];
          std::string_view text;
          if (c.kept && have) {
            text =
                std::string_view(texts).substr(static_cast<size_t>(c.text_at - begin), c.text_size);
          } else {
            bool truncated = false, binary = false;
            if (!ReadFile(c.fs_path, options_.max_file_bytes, &buffer, &text, &truncated, &binary,
                          &error) ||
                binary)
              continue;
            text = TextOf(text, &decoded);
          }
          const Linker::Sieve::Reach reach =
              sieve.Judge(c.path, text, [&] { return read_files_.LocationOf(c.index, c.path); });
          if (reach == Linker::Sieve::Reach::kNone) continue;
          // What the first pass left to now: a rule can name a fact here (Analyzer::Screen).
          Screening again = analyzer_.Screen(c.path, text);
          if (!again.hints || !again.words) continue;
          observe_one(read_files_.LocationOf(c.index, c.path), c.path, text, reach,
                      again.applies.empty() ? nullptr : &again.applies);
        }
      }
      spare_buffers_.GiveBack(std::move(buffer));
    };
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < Jobs(); ++i) threads.emplace_back(observe);
    observe();
    for (std::thread& t : threads) t.join();
    if (!stream.error().empty()) ListUnreadable(stream.error());
    // A member the sieve would turn away for want of a needle, told by its bytes alone.
    const host::LiteralSearch needles(sieve.needles());
    const MemberLinks::MayHold may_hold = [&](std::string_view data) {
      return MemberLinks::MayHoldNeedle(data, options_.max_file_bytes, needles);
    };
    member_links_.Replay(
        sieve.needles(), walk_, Jobs(),
        [&](input::Entry& member, std::string_view data, bool listed) {
          // Before MemberText and the sieve: most members kept whole hold no needle either.
          if (!may_hold(data)) return;
          std::string decoded;
          std::string_view text = MemberText(data, &decoded);
          // Its group's words named a needle; its own must too (what is kept is shared). The sieve
          // first: it turns most members away for less than their words cost.
          const Linker::Sieve::Reach reach =
              text.empty() ? Linker::Sieve::Reach::kNone
                           : sieve.Judge(member.path, text, [&] { return member.location; });
          if (reach == Linker::Sieve::Reach::kNone || !MemberLinks::MayName(text, sieve.needles()))
            return;
          // The pass deferred it for its hints alone (and one past the listing budget maybe not
          // at all): whether a rule can name a fact here is judged now, as Process would have.
          Screening again = analyzer_.Screen(member.path, text, nullptr, true);
          if (!again.hints || !again.words || (!listed && member.costly_to_reread)) return;
          // The selection Screen made, not made again by the readers (as for the files above).
          observe_one(member.location, member.path, text, reach,
                      again.applies.empty() ? nullptr : &again.applies);
        },
        may_hold);
    for (Notice& n : member_links_.replay_notices()) result_.notices.push_back(std::move(n));
    if (std::string error = member_links_.replay_error(); !error.empty())
      result_.notices.push_back(
          Notice{Notice::Level::kWarning, "member-store-unreadable", Location{}, 0, 0,
                 error + "; linkage of the archive members kept there is incomplete"});
    result_.stats.observed += observed;
    result_.stats.ruled_out = member_links_.ruled_out();
  }

  // The list of files read could not be read back from its temporary file: what the cross-file
  // stage had left to do with them is said once.
  void ListUnreadable(const std::string& error) {
    if (list_unreadable_) return;
    list_unreadable_ = true;
    result_.notices.push_back(
        Notice{Notice::Level::kWarning, "file-list-unreadable", Location{}, 0, 0,
               error + "; includes and linkage of the files read are incomplete"});
  }

  // The text Process reads of an entry that carries its bytes: at most --max-file-size, of a
  // binary head the text before its first NUL, UTF-16 as UTF-8.
  std::string_view MemberText(std::string_view data, std::string* decoded) const {
    data = data.substr(0, options_.max_file_bytes);
    if (IsBinaryContent(data)) data = data.substr(0, TextBeforeNul(data.substr(0, kSniffBytes)));
    return TextOf(data, decoded);
  }

  unsigned Jobs() const {
    return options_.jobs ? options_.jobs : std::max(1u, std::thread::hardware_concurrency());
  }

  void Work() {
    std::vector<Finding> local;
    WorkerStats stats;
    std::vector<Notice> notices;
    ReadBuffer buffer;
    for (;;) {
      input::Entry entry;
      {
        std::unique_lock lock(mu_);
        not_empty_.wait(lock, [&] { return done_ || !queue_.empty(); });
        if (queue_.empty()) break;
        queue_.pop_front(&entry);
        queued_bytes_ -= entry.data.size();
        if (adders_waiting_ && Refillable()) not_full_.notify_all();
      }
      size_t before = local.size();
      Guarded(entry, &buffer, &local, &stats, &notices);
      if (options_.walk.progress) options_.walk.progress->AddFindings(local.size() - before);
    }
    spare_buffers_.GiveBack(std::move(buffer));
    std::lock_guard lock(mu_);
    // Moved whole or appended at once (not finding by finding: see Process).
    if (result_.findings.empty())
      result_.findings = std::move(local);
    else
      result_.findings.insert(result_.findings.end(), std::make_move_iterator(local.begin()),
                              std::make_move_iterator(local.end()));
    for (Notice& n : notices) result_.notices.push_back(std::move(n));
    result_.stats.entries += stats.entries;
    result_.stats.bytes += stats.bytes;
    result_.stats.binary_skipped += stats.binary_skipped;
    result_.stats.truncated += stats.truncated;
    result_.stats.analyzed += stats.analyzed;
    result_.stats.prefiltered_out += stats.prefiltered_out;
    result_.stats.observed += stats.observed;
    read_seconds_ += stats.read_seconds;
    prefilter_seconds_ += stats.prefilter_seconds;
    reader_seconds_ += stats.reader_seconds;
    rule_seconds_ += stats.rule_seconds;
  }

  // The notice for an entry read only up to `text`, the first NUL of its head `data`.
  static Notice BinaryTail(const Location& location, std::string_view data, size_t text) {
    std::string_view rest = data.substr(text);
    bool zeros = rest.find_first_not_of('\0') == std::string_view::npos;
    return Notice{Notice::Level::kNote,
                  "binary-tail",
                  location,
                  0,
                  0,
                  location.Render() + ": only the text before byte " + std::to_string(text) +
                      " was read; it is followed by " +
                      (zeros ? "zero bytes (a hole or padding)" : "binary data")};
  }

  // Whether `data` (its head `binary`) holds no text to scan: no whole line before its first NUL.
  static bool NoText(std::string_view data, bool binary) {
    return binary && TextBeforeNul(data.substr(0, kSniffBytes)) == 0;
  }

  // What is scanned of an entry's `data` that holds text (!NoText), read whole or cut at
  // --max-file-size (`truncated`): the text before a NUL, with a binary-tail note (then nothing
  // was cut), decoded (TextOf); a cut is told as entry-truncated.
  std::string_view ScannedText(const Location& location, std::string_view data, bool binary,
                               bool* truncated, std::string* decoded,
                               std::vector<Notice>* notices) const {
    if (binary) {
      const size_t text = TextBeforeNul(data.substr(0, kSniffBytes));
      notices->push_back(BinaryTail(location, data, text));
      data = data.substr(0, text);
      *truncated = false;
    }
    data = TextOf(data, decoded);
    if (*truncated)
      notices->push_back(Notice{Notice::Level::kWarning, "entry-truncated", location, 0, 0,
                                location.Render() + ": only the first " +
                                    std::to_string(options_.max_file_bytes) +
                                    " bytes were scanned (--max-file-size)"});
    return data;
  }

  // Process behind the entry boundary (scan/guard.h): a failure costs this entry's findings,
  // never the scan. (Members of a container already analysed keep theirs: each has its own.)
  void Guarded(input::Entry& entry, ReadBuffer* buffer, std::vector<Finding>* out,
               WorkerStats* stats, std::vector<Notice>* notices) {
    GuardEntry(entry.location, notices, [&] { Process(entry, buffer, out, stats, notices); });
  }

  void Process(input::Entry& entry, ReadBuffer* buffer, std::vector<Finding>* out,
               WorkerStats* stats, std::vector<Notice>* notices) {
    bool truncated = false, binary = false;
    std::string_view data;
    PhaseClock clock;
    if (!entry.fs_path.empty()) {
      std::string error;
      uint64_t file_size = 0;
      bool read =
          entry.dir ? ReadFileAt(entry.dir->get(),
                                 entry.fs_path.c_str() + entry.fs_path.rfind('/') + 1,
                                 options_.max_file_bytes, buffer, &data, &truncated, &binary,
                                 &error, &file_size)
                    : ReadFile(entry.fs_path, options_.max_file_bytes, buffer, &data, &truncated,
                               &binary, &error, &file_size);
      if (!read) {
        notices->push_back(Notice{Notice::Level::kWarning, "unreadable-entry", entry.location, 0, 0,
                                  "cannot read " + entry.location.Render() + ": " + error});
        return;
      }
      if (entry.may_be_container &&
          input::MayBeContainer(data.substr(0, kSniffBytes), file_size)) {
        // An archive, image or disk in a walked directory: read here, its members analysed
        // on this worker as they come.
        DirectSink direct(*this, out, stats, notices);
        member_links_.AddContainer(entry.path, entry.fs_path);
        bool opened = input::OpenContainerFile(entry.fs_path, entry.path, walk_, direct);
        member_links_.ForgetIfUnused(entry.path);
        if (opened) return;
      }
    } else {
      data = entry.data;
      if (std::string error;
          entry.member_file &&
          !(entry.member_extents.empty()
                ? ReadFileRange(entry.member_file->get(),
                                static_cast<uint64_t>(entry.archive_data_offset),
                                static_cast<size_t>(entry.member_bytes), buffer, &data, &error)
                : ReadFileExtents(entry.member_file->get(), entry.member_extents,
                                  static_cast<size_t>(entry.member_bytes), buffer, &data, &error)))
        // The tar or disk image changed since it was walked: what is left of the member is scanned.
        notices->push_back(Notice{Notice::Level::kWarning, "unreadable-entry", entry.location, 0, 0,
                                  "cannot read all of " + entry.location.Render() + ": " + error +
                                      " (the part read was scanned)"});
      if (data.size() > options_.max_file_bytes) {
        data = data.substr(0, options_.max_file_bytes);
        truncated = true;
      }
      binary = IsBinaryContent(data);
    }
    if (NoText(data, binary)) {
      // A file of a walked directory left closed by --archives off is said as such.
      if (std::string format;
          !walk_.open_archives && !entry.fs_path.empty() &&
          !(format = input::ContainerFormat(data.substr(0, input::kIsoProbeBytes))).empty()) {
        input::CountNotOpened(*this, walk_, entry.location.Render(), format);
        return;
      }
      ++stats->binary_skipped;
      if (walk_.verbose) walk_.verbose->Line("skip", entry.location.Render(), "binary");
      return;
    }
    // A text file followed by a hole or padding of zeros (or a script with a binary payload):
    // its text is read, and what was not is said.
    std::string decoded;  // UTF-16 as UTF-8 (core/file.h)
    data = ScannedText(entry.location, data, binary, &truncated, &decoded, notices);
    stats->truncated += truncated;
    ++stats->entries;
    if (walk_.verbose)
      walk_.verbose->Line("read", entry.location.Render(), truncated ? "first --max-file-size bytes" : "");
    stats->bytes += data.size();
    stats->read_seconds += clock.Lap();
    // The gate: one pass over the bytes decides which readers, if any, this entry needs.
    // Without the gate every entry is read as if everything were possible (a check of the gate).
    // A file on disk is judged for linkage at the end, only if it names a finding's variable
    // or file (ObserveDeferred): the rule selection its words need is made then.
    bool link_later = linker_ && options_.prefilter && !entry.fs_path.empty();
    // So is an archive member its container can give again (MemberLinks::Replay): the rule
    // selection its words need (an eighth of a tar's scan) is made for the few read again.
    bool defer_member =
        linker_ && options_.prefilter && entry.fs_path.empty() && member_links_.Accepts(entry);
    Screening screening =
        !options_.prefilter ? Screening{!analyzer_.targets().empty(), true, true, true, {}, {}}
        : collector_
            ? analyzer_.ScreenSources(entry.path, data)
            : analyzer_.Screen(entry.path, data, nullptr, linker_ && !link_later && !defer_member);
    stats->prefilter_seconds += clock.Lap();
    struct AddReaderTime {
      PhaseClock& clock;
      WorkerStats& stats;
      ~AddReaderTime() {
        double rules = Analyzer::TakeRuleSeconds();
        stats.rule_seconds += rules;
        stats.reader_seconds += clock.Lap() - rules;
      }
    } add_reader_time{clock, *stats};
    if (collector_) {  // inventory: every time source, no target needed
      if (!screening.words) {
        ++stats->prefiltered_out;
        return;
      }
      ++stats->analyzed;
      // Only the readers of rules whose words occur: a C header that holds `server` is not
      // read as code for a time-server name it cannot hold.
      const std::vector<char>* selection = nullptr;
      if (!screening.applies.empty()) {
        analyzer_.KeepPossibleRules(data, &screening.applies,
                                    screening.word_hits.empty() ? nullptr : &screening.word_hits);
        selection = &screening.applies;
      }
      EntrySources found = collector_->Collect(entry.location, entry.path, data, selection);
      ReportUnread(entry.location, std::move(found.unread), collector_->max_reader_bytes(),
                   "the time sources only that reader finds are not listed", notices);
      for (Source& s : found.sources) {
        Finding f = SourceAsFinding(std::move(s));
        if (entry.shadowed) f.activity = Activity::kShadowed;
        f.properties.insert(f.properties.end(), entry.properties.begin(), entry.properties.end());
        std::sort(f.properties.begin(), f.properties.end());
        out->push_back(std::move(f));
      }
      return;
    }
    std::vector<IncludeRef> includes;
    std::vector<Finding> found;
    // A --changed-since scan reads every entry for the files it pulls in
    // (Analyzer::CollectPullIns).
    const bool analysed = screening.targets || screening.includes || analyzer_.pull_ins();
    if (analysed) {
      ++stats->analyzed;
      found = analyzer_.Analyze(entry.location, entry.path, data, notices, &includes, nullptr,
                                &screening);
    } else {
      ++stats->prefiltered_out;
    }
    // Linkage only matters for findings, known at the end: a file on disk with a hint is read
    // for it then, and only when it names one of their variables or files (ObserveDeferred).
    // (Only where a directive rule selects the file, as only such readers record consumers and
    // installs, kept 39% of the rootfs's candidate bytes, but that selection cost 0.8 G
    // instructions in the pass for 64 M saved at the end: content tests and sniffs per file.
    // With content tests' lines turned away by their first byte, a selection of an 8 KiB head
    // still costs ~110 k, most of it the sniffs' RE2::Set: ~0.45 G for the rootfs's 4,168.)
    link_later = link_later && screening.hints;
    // An archive member is deferred too: its container is read again for it at the end.
    bool deferred = defer_member && screening.hints && member_links_.Defer(entry, data);
    if (linker_ && !link_later && !deferred && screening.hints) {
      // Observed now where a rule can name a fact (the words Screen left to the deferral).
      if (defer_member) screening.words = analyzer_.Screen(entry.path, data, nullptr, true).words;
      if (screening.words) {
        ++stats->observed;
        ReportUnread(entry.location, linker_->Observe(entry.location, entry.path, data),
                     linker_->max_reader_bytes(), kUnlinked, notices);
      }
    }
    if (!entry.fs_path.empty()) {
      // Remembered so that a file named by another file's include can be read again with the
      // including daemon's syntax (see FollowIncludes).
      // A small candidate's text is kept for the end (ReadFiles::kTextFileBytes), unless it was
      // read only up to a NUL (read again, it is binary and skipped: so it still is).
      std::optional<std::string_view> text;
      if (link_later && !binary && data.size() <= ReadFiles::kTextFileBytes) text = data;
      std::lock_guard lock(files_mu_);
      read_files_.Add(entry.location, entry.path, entry.fs_path, entry.root, link_later, text);
      link_candidates_ += link_later;
      for (IncludeRef& inc : includes) {
        if (inc.in_root) inc.pattern = entry.root + inc.pattern;
        includes_.push_back(std::move(inc));
      }
    } else if (analysed && entry.location.chain.size() > 1) {
      // An archive or image member: what an include directive in a member of its container can
      // name, and such directives (FollowMemberIncludes).
      std::lock_guard lock(files_mu_);
      AddAnalysedMember(entry.location, entry.path, std::move(includes));
    }
    // Inline `ntpsweep:ignore` markers need the text, which only lives here. Looked for only
    // where they can matter (a finding, or unused markers reported): a search of every text
    // was 1% of the rootfs sweep.
    std::vector<triage::InlineMarker> unused;
    if (!found.empty() || options_.report_unused_suppressions)
      unused = triage::ApplyInlineSuppressions(data, &found);
    for (const triage::InlineMarker& m : unused) {
      if (!options_.report_unused_suppressions) continue;
      notices->push_back(Notice{Notice::Level::kWarning, "unused-suppression", entry.location,
                                m.line, m.column,
                                entry.location.Render() + ":" + std::to_string(m.line) +
                                    ": this ntpsweep:ignore marker suppresses no finding"});
    }
    MarkAsEntry(entry, &found);
    // Moved whole or appended at once: growing `out` finding by finding held two copies of a
    // file's findings and half as many again (the peak of a file of 100,000 mentions).
    if (out->empty()) {
      *out = std::move(found);
    } else {
      out->insert(out->end(), std::make_move_iterator(found.begin()),
                  std::make_move_iterator(found.end()));
    }
  }

  // Members of an archive a worker opened go straight to that worker's Process: through the
  // queue a worker could wait on itself.
  class DirectSink : public input::EntrySink {
   public:
    DirectSink(Pipeline& pipeline, std::vector<Finding>* out, WorkerStats* stats,
               std::vector<Notice>* notices)
        : pipeline_(pipeline), out_(out), stats_(stats), notices_(notices) {}
    void Add(input::Entry entry) override {
      if (std::string_view why = pipeline_.options_.select.Reject(entry.location, entry.path);
          !why.empty()) {
        pipeline_.CountSkipped(why);
        if (pipeline_.walk_.verbose) pipeline_.walk_.verbose->Line("skip", entry.location.Render(), why);
        return;
      }
      size_t before = out_->size();
      pipeline_.Guarded(entry, &buffer_, out_, stats_, notices_);
      if (pipeline_.options_.walk.progress)
        pipeline_.options_.walk.progress->AddFindings(out_->size() - before);
    }
    void Report(Notice notice) override { pipeline_.Report(std::move(notice)); }
    void CountSkipped(std::string_view why) override { pipeline_.CountSkipped(why); }
    void Amend(input::Amendment amendment) override { pipeline_.Amend(std::move(amendment)); }

   private:
    Pipeline& pipeline_;
    std::vector<Finding>* out_;
    WorkerStats* stats_;
    std::vector<Notice>* notices_;
    ReadBuffer buffer_;
  };

  const ScanOptions& options_;
  const Analyzer& analyzer_;
  input::ScanBudget budget_;  // --max-total-bytes, shared by every operand and worker
  input::WalkOptions walk_;   // options_.walk with the budget
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  EntryRing queue_;
  // Bytes waiting for a worker: enough to keep them busy, little enough that the peak does not
  // grow with the archive (16 MiB filled up on a 4x rootfs tar and was its RSS growth).
  static constexpr size_t kQueueBytes = 4u << 20;
  static constexpr size_t kWakeBatch = 16;
  size_t queued_bytes_ = 0;
  // Add() calls waiting for the queue to drain (Refillable): a directory walk has several
  // listers, and one woken alone left another waiting for good.
  unsigned adders_waiting_ = 0;
  std::vector<input::Amendment> amendments_;
  bool done_ = false;
  double read_seconds_ = 0, prefilter_seconds_ = 0, reader_seconds_ = 0, rule_seconds_ = 0;
  std::map<std::string, size_t> skipped_;
  ScanResult result_;
  // read_files_, link_candidates_ and includes_ while the workers run: a lock of their own, as
  // the queue's is taken twice a file already.
  std::mutex files_mu_;
  ReadFiles read_files_;
  // Files of read_files_ that hold a linkage hint (ReadEntry::link): read again at the end when
  // they name a finding's variable or file (a Bloom filter of their words, to read fewer of
  // them, cost more to build on every candidate than the reads it saved, and 64 bytes a file).
  size_t link_candidates_ = 0;
  bool list_unreadable_ = false;  // ListUnreadable said so
  MemberLinks member_links_;  // archive members linkage may need (scan/member_links.h)
  std::vector<IncludeRef> includes_;
  // Archive and image members the pass analysed, and the include directives read in them
  // (FollowMemberIncludes); at most kMaxAnalysedMembers members, then no more.
  struct AnalysedMember {
    Location location;
    std::string path;
  };
  static constexpr size_t kMaxAnalysedMembers = 1u << 16;
  std::vector<AnalysedMember> analysed_members_;
  bool analysed_members_left_out_ = false;
  std::vector<std::pair<Chain, IncludeRef>> member_includes_;
  // The workers' grown buffers, once they are done, for the reads after them (ObserveDeferred,
  // FollowIncludes).
  ReadBufferPool spare_buffers_;
};

}  // namespace

InventoryResult RunInventory(const ScanOptions& options, const rules::RuleSet& rules) {
  auto start = std::chrono::steady_clock::now();
  host::TargetSet none;
  Analyzer analyzer(rules, none);
  SourceCollector collector(rules);
  collector.SetMaxReaderBytes(options.max_reader_bytes);
  Pipeline pipeline(options, analyzer);
  pipeline.collector_ = &collector;
  ScanResult scanned = pipeline.Run();
  InventoryResult result;
  for (Finding& f : scanned.findings) result.sources.push_back(FindingAsSource(std::move(f)));
  result.notices = std::move(scanned.notices);
  result.stats = std::move(scanned.stats);
  result.input_error = scanned.input_error;
  std::sort(result.sources.begin(), result.sources.end(), [](const Source& a, const Source& b) {
    return std::make_tuple(host::GroupingKey(a.host, a.expression), a.location, a.span.line,
                           a.span.column, a.rule_id) <
           std::make_tuple(host::GroupingKey(b.host, b.expression), b.location, b.span.line,
                           b.span.column, b.rule_id);
  });
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}


ScanResult RunScan(const ScanOptions& options, const rules::RuleSet& rules,
                   const host::TargetSet& targets) {
  auto start = std::chrono::steady_clock::now();
  // The linker's rule set (a regex set) compiles on a thread beside the analyzer's matchers.
  auto make_linker = [&rules] { return std::make_unique<Linker>(rules); };
  std::future<std::unique_ptr<Linker>> linking;
  try {
    linking = std::async(std::launch::async, make_linker);
  } catch (const std::system_error&) {  // no thread to be had: made below, on this one
  }
  Analyzer analyzer(rules, targets, options.link ? Linker::Hints() : HintLiterals{});
  analyzer.SetMaxReaderBytes(options.max_reader_bytes);
  analyzer.CollectPullIns(options.select.limit_to_files);
  Pipeline pipeline(options, analyzer);
  std::unique_ptr<Linker> linker = linking.valid() ? linking.get() : make_linker();
  linker->SetMaxReaderBytes(options.max_reader_bytes);
  if (options.link) pipeline.linker_ = linker.get();
  ScanResult result = pipeline.Run();
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace ntpsweep::scan
