// Which rules apply to an entry: every rule's path globs and content sniff, decided in one go.
// Rules share globs and sniffs, so each distinct glob is tried once per entry, only when its
// literal part occurs in the path, and all sniffs run as one RE2::Set over the entry's head.
// Globs that end in plain characters are indexed by their last two bytes, so an entry tries
// only those whose ending its path shares.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <re2/set.h>

#include "rules/rule.h"

namespace ntpsweep::rules {

// The longest run of plain characters inside one segment of a glob: any path the glob matches
// contains it ("**/cron.d/*" -> "cron.d", "**/*.sh" -> ".sh").
std::string RequiredLiteral(std::string_view glob);

// Whether every match of `pattern` starts at the text's start: it opens with \A and has no `|`
// outside groups and classes. False wherever it cannot tell (a conservative reading).
bool AnchoredAtStart(std::string_view pattern);

// The plain characters a glob ends in: every path it matches ends in them ("**/*.sh" -> ".sh",
// "**/cron.d/*" -> "").
std::string RequiredSuffix(std::string_view glob);

// The atoms FilteredRE2 requires of `pattern` (lower case), computed now; nothing where RE2
// cannot parse it. (RuleSelector takes those of the built-in pack from BuiltinAtomTable.)
std::optional<std::vector<std::string>> ComputeAtoms(const std::string& pattern);
// The patterns whose atoms RuleSelector::WordsOf asks of `rule`.
std::vector<std::string> AtomPatterns(const Rule& rule);

class RuleSelector {
 public:
  // Over every rule of `rules`, in their order.
  explicit RuleSelector(const RuleSet& rules);
  ~RuleSelector();

  const std::vector<const Rule*>& rules() const { return rules_; }

  // (*applies)[i] is set when rules()[i] applies to an entry with this (backup suffix removed)
  // path and text: no exclude glob matches, and a path glob, the sniff or the content test does
  // (a rule with none of them applies everywhere).
  // With `only` (one flag per rule), the rules not flagged are left unselected, untried: a
  // caller that needs a few rules (a daemon's includes) pays for neither the others' content
  // tests nor, unless one of its rules has a sniff, the sniffs' pass over the head.
  // With `sniff_fails` (one flag per rule), a flagged rule's sniff is taken as failing, unasked:
  // the caller knows that a literal it needs is not in the text.
  void Select(std::string_view effective_path, std::string_view text, std::vector<char>* applies,
              const std::vector<char>* only = nullptr,
              const std::vector<char>* sniff_fails = nullptr) const;

  static constexpr size_t kSniffBytes = 8192;

  // Whether the lines of `head` pass `content` (Rule::Content).
  static bool ContentMatches(const Rule::Content& content, std::string_view head);

  // The bytes a trimmed line can begin with and match `lines` (a content test's), from RE2's
  // PossibleMatchRange where every match starts the line; else every byte.
  struct LeadBytes {
    unsigned char low = 0, high = 255;
  };
  static LeadBytes LeadBytesOf(const Regex& lines);
  // ContentMatches, a line that begins outside `leads` failing without the regex: most lines of
  // a file that is no such config do, and a regex per line was most of a selection's cost.
  static bool ContentMatches(const Rule::Content& content, std::string_view head, LeadBytes leads);

  // What an entry must hold for `rule` to name a fact or match at all: all the words of one of
  // the alternatives. A directive name may be composed or normalised by its reader, so any run
  // of it is an alternative; a key path is matched on keys as written, so all its runs form one;
  // each required atom of a regex is one, and the runs of each required atom of a key pattern.
  // A rule's own `words` (Rule::words) stand instead of all these. `always` when nothing is known.
  struct Word {
    std::string text;
    bool whole = false;    // stands between non-word characters (a directive name as written)
    bool pattern = false;  // `text` is a pattern as written (Rule::words), not a literal
    bool operator<(const Word& o) const {
      return std::tie(text, whole, pattern) < std::tie(o.text, o.whole, o.pattern);
    }
  };
  struct Words {
    bool always = false;
    std::vector<std::vector<Word>> alternatives;
  };
  // `own_words`: a rule's `words` stand for it (the inventory); else they are passed over
  // (the scan keeps the words its gate database was compiled with, without their patterns).
  static Words WordsOf(const Rule& rule, bool own_words = true);

 private:
  struct Glob {
    std::string pattern;
    std::string required;  // a literal every matching path contains
    std::vector<uint16_t> pairs;  // its byte pairs, as PairBit numbers them
  };
  struct Entry {
    std::vector<size_t> paths, excludes;  // indexes into globs_
    int sniff = -1;                       // index into the sniff set
    int content = -1;                     // index into contents_
  };
  std::vector<const Rule*> rules_;
  std::vector<Glob> globs_;
  // Globs whose suffix has two bytes or more, by its last two: no other can match a path
  // ending in them.
  std::unordered_map<uint16_t, std::vector<size_t>> by_tail_;
  std::vector<signed char> untried_;  // per glob: -1 (try it) unless it is in by_tail_ (0)
  std::vector<std::vector<size_t>> path_rules_;  // per glob: the rules it is a path glob of
  std::vector<size_t> loose_paths_;              // path globs not in by_tail_
  std::vector<Entry> entries_;
  std::vector<const Regex*> sniffs_;
  // Per sniff: anchored at the text's start (AnchoredAtStart), so asked on its own: RE2 tries it
  // at offset 0 alone, where the set of every sniff reads the whole head.
  std::vector<char> anchored_sniffs_;
  std::vector<const Rule::Content*> contents_;  // distinct content tests
  std::vector<LeadBytes> content_leads_;        // per content test: LeadBytesOf its lines
  std::unique_ptr<RE2::Set> sniff_set_;
};

}  // namespace ntpsweep::rules
