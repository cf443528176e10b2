// One entry's text -> findings: picks the syntaxes and rules that apply to its path, runs them,
// reads embedded documents with their own syntax, removes duplicates and classifies.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file.h"
#include "core/types.h"
#include "host/prefilter.h"
#include "host/target.h"
#include "rules/rule.h"
#include "rules/select.h"
#include "syntax/text.h"

namespace ntpsweep::scan {

// A file an include directive names (chrony include/confdir/sourcedir, ntp.conf includefile):
// a glob, absolute (inside the scanned root) or relative to the including file's directory.
struct IncludeRef {
  std::string syntax;
  std::string pattern;
  bool in_root = false;  // an absolute path of the configured system: resolve under the root
};

// What the gate saw in an entry, in one pass over its bytes (host/prefilter.h).
struct Screening {
  bool targets = true;    // a spelling of a target, or encoded content that may hide one
  bool includes = false;  // the name of an include directive (chrony confdir, ntpd includefile)
  bool hints = false;     // one of the caller's hint literals (scan/linkage.h)
  // Some rule can name a fact here (rules::RuleSelector::WordsOf); computed where it decides
  // (inventory, an entry with a linkage hint or a resolver-only spelling), else false.
  bool words = true;
  std::vector<char> applies;  // the rule selection, when the gate needed it; else empty
  std::vector<char> word_hits;  // which rule words occur, where ScreenSources found them all
};

// What Analyzer::CommentedOut's calls over one text share: the text's PowerShell block
// comments, found by the first call that needs them, and the bounds of the last line asked
// about ([line_begin, line_end), line_end at its '\n' or the text's end).
struct CommentScan {
  std::optional<syntax::BlockComments> blocks;
  size_t line_begin = std::string_view::npos, line_end = 0;
};

// What a `limit-reader-size` notice says first: `syntax`'s reader did not read a document of
// `bytes`, over the bound.
std::string ReaderBoundMessage(std::string_view syntax, size_t bytes, size_t bound);

// Literals a caller wants reported by Analyzer::Screen in the same pass (Screening::hints), any
// ASCII case: anywhere in a text, as whole words, or as a line's first word (blanks before, a
// blank after).
struct HintLiterals {
  std::vector<std::string> anywhere, whole_words, line_first;
};

class Analyzer {
 public:
  Analyzer(const rules::RuleSet& rules, const host::TargetSet& targets,
           const HintLiterals& hints = {});
  ~Analyzer();

  // The gate: an entry whose Screening has neither `targets` nor `includes` cannot yield a
  // finding or an include, and Analyze() returns at once for it.
  // `path` is the entry's path as the rules see it; `forced_syntaxes` as for Analyze().
  // `hint_words`: compute `words` where a linkage hint alone asks for them; a caller that
  // decides linkage later (a file on disk, read again at the end) passes false and asks then.
  Screening Screen(std::string_view path, std::string_view text,
                   const std::vector<std::string>* forced_syntaxes = nullptr,
                   bool hint_words = true) const;

  // The gate of an inventory (no targets): `words` and `applies` as Screen() makes them, from
  // one pass of every rule word whose hits are kept, and a rule selection asked only of the
  // rules those words (or a reader that embeds) leave possible.
  Screening ScreenSources(std::string_view path, std::string_view text) const;

  // `path` is the entry's path as the rules see it ("etc/ntp.conf", "repo/ntp.conf.bak").
  // Problems in the document (a malformed YAML file) are appended to `notices`.
  // Include directives found are appended to `includes` when given (and with CollectPullIns,
  // the files the entry pulls in); `forced_syntaxes` are read whatever the path (the entry was
  // named by such an include).
  std::vector<Finding> Analyze(const Location& location, std::string_view path,
                               std::string_view text, std::vector<Notice>* notices,
                               std::vector<IncludeRef>* includes = nullptr,
                               const std::vector<std::string>* forced_syntaxes = nullptr,
                               const Screening* screening = nullptr) const;

  // Clears, in a rule selection of `text` (Screening::applies), the directive and regex rules
  // that cannot name a fact there: none of their words' alternatives occurs in full. A rule of a
  // reader that embeds documents stays (an embedded document is selected by its own path).
  // `hits`: the words' hits in `text` where known (Screening::word_hits), else found here.
  void KeepPossibleRules(std::string_view text, std::vector<char>* applies,
                         const std::vector<char>* hits = nullptr) const;

  // Compiles now what Screen's first look at the rule words would (a Hyperscan database of its
  // own, host::Prefilter::ScanTracked), for a caller with a core to spare. Thread-safe.
  void PrepareWords() const { prefilter_->PrepareTracked(); }

  const host::TargetSet& targets() const { return targets_; }
  const rules::RuleSelector& selector() const { return selector_; }
  // Seconds the calling thread spent matching facts and text against rules since the last call
  // (--stats shows them apart from the readers' time).
  static double TakeRuleSeconds();
  // How many documents each syntax read so far (--stats), sorted by syntax.
  std::vector<std::pair<std::string, size_t>> ReaderCounts() const;
  // A document larger than `bytes` is not read by any syntax reader, only matched as text, with
  // a `limit-reader-size` notice (--max-reader-size): a reader holds many times its input.
  void SetMaxReaderBytes(size_t bytes) { max_reader_bytes_ = bytes; }
  size_t max_reader_bytes() const { return max_reader_bytes_; }
  // A --changed-since scan: Analyze also appends to `includes` the files an entry pulls in (an
  // install's source, a sourced script, a kickstart %include: syntax::SyntaxInfo::pulls), as
  // refs with no syntax, and reads every entry it is given for them, whatever the gate saw.
  void CollectPullIns(bool on) { pull_ins_ = on; }
  bool pull_ins() const { return pull_ins_; }
  // How many documents each syntax left unread for their size so far (--stats), by syntax.
  std::vector<std::pair<std::string, size_t>> ReadersOverSize() const;

 private:
  struct Hit;
  void Collect(std::string_view path, std::string_view text, int depth, std::vector<Hit>* hits,
               std::vector<std::pair<size_t, std::string>>* diagnostics,
               std::vector<IncludeRef>* includes = nullptr,
               const std::vector<std::string>* forced_syntaxes = nullptr,
               bool includes_only = false, const std::vector<char>* selection = nullptr,
               std::vector<std::pair<size_t, std::string>>* unread = nullptr) const;
  // Whether the free-text mention at text[offset, +length) stands in a comment whose body reads
  // as a directive (commented-out config) rather than prose.
  // `scan`: what the calls over one text share (CommentScan).
  bool CommentedOut(std::string_view path, std::string_view text, size_t offset, size_t length,
                    int depth, CommentScan* scan) const;

  [[maybe_unused]] const rules::RuleSet& rules_;  // unread today; clang warns
  const host::TargetSet& targets_;
  rules::RuleSelector selector_;  // over rules_.rules(), in order
  std::unique_ptr<host::Prefilter> prefilter_;
  std::string one_byte_hints_;  // hints of one character, both cases: found by memchr, not the gate
  std::vector<size_t> always_rules_;  // rules without words: selected by path alone
  // Lower-case word -> its tracked-pattern id, for words that need not stand whole.
  std::map<std::string, int, std::less<>> part_word_ids_;
  // The regex rules' atoms as their patterns combine them (all of, one of), made by the first
  // KeepPossibleRules: one atom alone ("set", "time") is no sign of a regex that needs several.
  struct RegexAtomTree;
  const RegexAtomTree* RegexAtoms() const;
  // Which rules their words allow, given which words occur (`hits`, by tracked-pattern id):
  // those without words, and those with every word of one alternative.
  std::vector<char> RulesWithWords(const std::vector<char>& hits) const;
  // Whether rule `rule` is a directive rule whose reader finds documents inside the text.
  bool Embeds(size_t rule) const;
  // Per rule: Embeds, looked up once (the gate asked it of every rule of every entry: 23 M
  // instructions of a rootfs inventory, most in FindSyntax).
  std::vector<char> embeds_;
  // The sniffs' atoms as their patterns combine them: a sniff whose atoms the words' hits lack
  // cannot match the text's head (the ansible `hosts:` sniff, asked of nearly every entry since
  // YAML embeds, read 8 KiB of each head). Null where no sniff has atoms.
  struct SniffAtomTree;
  std::unique_ptr<SniffAtomTree> sniff_atoms_;
  // Per rule: the rules whose sniff cannot match where the words' `hits` were found; empty
  // where nothing is known.
  std::vector<char> SniffsFailing(const std::vector<char>& hits) const;
  mutable std::once_flag regex_atoms_once_;
  mutable std::unique_ptr<RegexAtomTree> regex_atoms_;
  // (rule, tracked-pattern ids): the rule is possible where all the ids matched.
  std::vector<std::pair<size_t, std::vector<int>>> word_alternatives_;
  // Tracked-pattern id -> the word_alternatives_ holding it, each once.
  std::vector<std::vector<size_t>> alternatives_of_word_;
  std::vector<size_t> directive_rules_;  // indexes into selector_.rules()
  // Per rule: a directive rule of a syntax with include directives (what Collect reads where
  // the gate saw only an include line).
  std::vector<char> include_rules_;
  // Per rule: one of include_rules_, or of a syntax that pulls files in (pulls, install_words):
  // what Collect reads for CollectPullIns where the gate saw no target.
  std::vector<char> pull_rules_;
  // Per rule: a directive rule whose reader decodes (base64, gzip, data URLs). A text that names
  // an encoding asks the selection of these alone.
  std::vector<char> decoding_rules_;
  std::vector<size_t> other_rules_;
  // Per rule: a regex rule whose pattern spells \r (it reads CRLF files as they are).
  std::vector<char> spells_cr_;
  mutable std::mutex counts_mu_;
  mutable std::map<std::string, size_t, std::less<>> reader_counts_;
  mutable std::map<std::string, size_t, std::less<>> readers_over_size_;
  size_t max_reader_bytes_ = static_cast<size_t>(-1);
  bool pull_ins_ = false;
};

// Patterns whose presence means a reader may decode a value the bytes do not spell (base64,
// gzip, data URLs): the gate lets such entries through where a decoding reader applies.
const std::vector<std::string>& EncodingMarkers();

// The path with a backup/vendor-copy suffix removed ("ntp.conf.dpkg-old" -> "ntp.conf"), and
// whether it is such a copy at all (suffix, or a pristine copy under usr/share/).
// `rendered_path` is the effective path without template suffixes (.j2, .erb, .tmpl, .in ...):
// the file a template renders, and `template_name` says whether there were any.
struct PathClass {
  std::string effective_path;
  bool backup_copy = false;
  std::string rendered_path;
  bool template_name = false;
};
PathClass ClassifyPath(std::string_view path);

// Which rules of `selector` apply to the entry: by its effective path, and for a template by the
// name it renders as well (chronyd.sh.j2 is read as chronyd.sh), unless the template reader
// already reads it as the time-daemon config it renders (syntax::TemplateDestination).
// `only`: as in RuleSelector::Select; for a template name every rule is tried (whether the
// template reader applies decides which name counts).
// `sniff_fails`: as in RuleSelector::Select.
void SelectRules(const rules::RuleSelector& selector, const PathClass& path, std::string_view text,
                 std::vector<char>* applies, const std::vector<char>* only = nullptr,
                 const std::vector<char>* sniff_fails = nullptr);

using ntpsweep::LooksBinary;  // core/file.h

}  // namespace ntpsweep::scan
