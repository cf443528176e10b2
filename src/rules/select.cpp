#include "rules/select.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <re2/filtered_re2.h>

#include "core/glob.h"
#include "rules/builtin.h"
#include "rules/evaluate.h"

namespace ntpsweep::rules {

std::string RequiredLiteral(std::string_view glob) {
  std::string best, run;
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '/') {
      if (run.size() > best.size()) best = run;
      run.clear();
      if (c == '[') {  // a class stands for one unknown character
        size_t close = glob.find(']', i + 2);
        if (close == std::string_view::npos) return best;  // a lone '[': stop guessing
        i = close;
      }
    } else {
      run += c;
    }
  }
  if (run.size() > best.size()) best = run;
  return best;
}

std::string RequiredSuffix(std::string_view glob) {
  size_t start = glob.size();
  // A class ends in ']', an escape starts with '\\', "**/" also matches no segment at all: stop
  // at any of them, whatever their meaning.
  while (start > 0 && std::string_view("*?[]\\/").find(glob[start - 1]) == std::string_view::npos)
    --start;
  return std::string(glob.substr(start));
}

bool AnchoredAtStart(std::string_view pattern) {
  if (!pattern.starts_with("\\A")) return false;
  int depth = 0;
  bool in_class = false;
  for (size_t i = 2; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;  // an escaped character, whatever it is
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      // A ']' (after an optional '^') right after the opening is a member, not the close.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') ++i;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth < 0) return false;
    } else if (c == '|' && depth == 0) {
      return false;
    }
  }
  return depth == 0 && !in_class;
}

namespace {

// Alphanumeric runs of three or more characters: pieces of a name that appear as written.
std::vector<std::string> Runs(std::string_view name) {
  std::vector<std::string> out;
  std::string run;
  for (size_t i = 0; i <= name.size(); ++i) {
    char c = i < name.size() ? name[i] : '\0';
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      run += c;
      continue;
    }
    if (run.size() >= 3) out.push_back(run);
    run.clear();
  }
  return out;
}

// Where the generated table is not linked: none (see builtin.h).
}  // namespace
__attribute__((weak)) std::span<const BuiltinAtoms> BuiltinAtomTable() {
  return {};
}
namespace {

// The atoms of `pattern`: the built-in pack's from the table made at build time, any other's
// computed once per process (the pack's key patterns repeat: one in seven rules). Safe from many
// threads: a pattern's first caller computes it, the others wait for that result.
const std::optional<std::vector<std::string>>& AtomsOf(const std::string& pattern) {
  struct Atoms {
    std::once_flag once;
    std::optional<std::vector<std::string>> atoms;
  };
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Atoms>, std::less<>> known;
  Atoms* entry;
  {
    std::lock_guard lock(mu);
    std::unique_ptr<Atoms>& slot = known[pattern];
    if (!slot) slot = std::make_unique<Atoms>();
    entry = slot.get();
  }
  std::call_once(entry->once, [&] {
    const std::span<const BuiltinAtoms> table = BuiltinAtomTable();
    auto built =
        std::lower_bound(table.begin(), table.end(), std::string_view(pattern),
                         [](const BuiltinAtoms& a, std::string_view p) { return a.pattern < p; });
    if (built == table.end() || built->pattern != pattern) {
      entry->atoms = ComputeAtoms(pattern);
    } else if (built->parsed) {
      entry->atoms.emplace(built->atoms.begin(), built->atoms.end());
    }
  });
  return entry->atoms;
}

}  // namespace

std::optional<std::vector<std::string>> ComputeAtoms(const std::string& pattern) {
  re2::FilteredRE2 filter(3);
  int id = 0;
  RE2::Options options;
  options.set_log_errors(false);
  if (filter.Add(pattern, options, &id) != RE2::NoError) return std::nullopt;
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  return atoms;
}

std::vector<std::string> AtomPatterns(const Rule& rule) {
  std::vector<std::string> out;
  if (rule.type == MatchType::kRegex) out.push_back(RegexGate(rule).pattern());
  if (rule.key_pattern) out.push_back(rule.key_pattern->pattern());
  return out;
}

RuleSelector::Words RuleSelector::WordsOf(const Rule& rule, bool own_words) {
  Words out;
  auto always = [&out] {
    out.always = true;
    out.alternatives.clear();
    return out;
  };
  if (rule.type == MatchType::kText) return out;  // mentions name no fact: the targets' gate
  if (own_words && !rule.words.empty()) {
    for (const std::vector<std::string>& all : rule.words) {
      std::vector<Word>& alternative = out.alternatives.emplace_back();
      for (const std::string& p : all) alternative.push_back(Word{p, false, true});
    }
    return out;
  }

  if (rule.type == MatchType::kRegex) {
    // Lower case; the gate matches without regard to case.
    const std::optional<std::vector<std::string>>& atoms = AtomsOf(RegexGate(rule).pattern());
    if (!atoms || atoms->empty()) return always();
    for (const std::string& a : *atoms) out.alternatives.push_back({Word{a, false}});
    return out;
  }
  if (rule.key_pattern) {
    // A key path is composed by its reader ([ntp] servers = ... is "ntp.servers"), so an atom
    // of the pattern need not stand in the file as one piece: its runs do, each in a name.
    const std::optional<std::vector<std::string>>& atoms = AtomsOf(rule.key_pattern->pattern());
    if (!atoms || atoms->empty()) return always();
    for (const std::string& a : *atoms) {
      std::vector<Word> all;
      for (std::string& r : Runs(a)) all.push_back(Word{std::move(r), false});
      if (all.empty()) return always();
      out.alternatives.push_back(std::move(all));
    }
  } else if (rule.directives.empty() && rule.key_paths.empty()) {
    return always();
  }
  for (const std::string& d : rule.directives) {
    // Readers name facts of template lines that render whole directives "@dynamic": such a
    // line holds a template expression.
    if (d.starts_with('@')) {
      for (const char* opener : {"{{", "{%", "<%"})
        out.alternatives.push_back({Word{opener, false}});
      continue;
    }
    // Readers cut directive names at non-word characters, so each run stands as a whole word.
    std::vector<std::string> runs = Runs(d);
    if (runs.empty()) return always();
    for (std::string& r : runs) out.alternatives.push_back({Word{std::move(r), true}});
  }
  for (const std::string& k : rule.key_paths) {
    // A glob's run may sit inside a longer key (`*ntp*server*` in `my_ntp_servers`).
    std::vector<std::string> runs = Runs(k);
    if (runs.empty()) return always();
    std::vector<Word> all;
    for (std::string& r : runs) all.push_back(Word{std::move(r), false});
    out.alternatives.push_back(std::move(all));
  }
  return out;
}

bool RuleSelector::ContentMatches(const Rule::Content& content, std::string_view head) {
  return ContentMatches(content, head, LeadBytes{});
}

RuleSelector::LeadBytes RuleSelector::LeadBytesOf(const Regex& lines) {
  // PossibleMatchRange bounds the matches that start the text: only a pattern whose every
  // match does (a `^` outside any alternative) bounds the lines it matches.
  std::string_view pattern = lines.pattern();
  if (pattern.starts_with("(?i)")) pattern.remove_prefix(4);
  if (!pattern.starts_with('^') || !AnchoredAtStart("\\A" + std::string(pattern.substr(1))))
    return {};
  std::string min, max;
  if (!lines.re().ok() || !lines.re().PossibleMatchRange(&min, &max, 1) || min.empty()) return {};
  // A match is at least `min` and at most `max`, so its first byte lies between theirs; an empty
  // `max` bounds nothing.
  return LeadBytes{static_cast<unsigned char>(min[0]), max.empty()
                                                           ? static_cast<unsigned char>(255)
                                                           : static_cast<unsigned char>(max[0])};
}

bool RuleSelector::ContentMatches(const Rule::Content& content, std::string_view head,
                                  LeadBytes leads) {
  // The meaningful lines: not blank, not a comment (leading and trailing blanks trimmed), gathered
  // once; each thread reuses its list.
  thread_local std::vector<std::string_view> lines;
  lines.clear();
  int outside = 0;  // lines that begin outside `leads`: they fail the pattern, unasked
  for (size_t pos = 0; pos < head.size();) {
    size_t eol = head.find('\n', pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 1;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    if (line.empty() || content.comment.find(line.front()) != std::string::npos) continue;
    lines.push_back(line);
    const auto lead = static_cast<unsigned char>(line.front());
    outside += lead < leads.low || lead > leads.high;
  }
  const int meaningful = static_cast<int>(lines.size());
  // Lines that fail the pattern beyond this many decide the test: most files are no config at
  // all, and a regex per line of their head was the costliest part of selecting rules.
  int may_fail = meaningful - std::max(content.min, (content.share * meaningful + 99) / 100);
  if (may_fail < 0 || outside > may_fail) return false;
  int matched = 0, failed = outside;
  bool required = !content.require;
  for (std::string_view line : lines) {
    const auto lead = static_cast<unsigned char>(line.front());
    if (lead < leads.low || lead > leads.high) continue;  // counted in `outside`
    if (!RE2::PartialMatch(line, content.lines->re())) {
      if (++failed > may_fail) return false;
      continue;
    }
    ++matched;
    required = required || RE2::PartialMatch(line, content.require->re());
  }
  return required && matched >= content.min && matched * 100 >= content.share * meaningful;
}

namespace {

// A pair of adjacent bytes as one of 4096 bits: a path holds a glob's literal only where it
// holds every pair of it.
uint16_t PairBit(char a, char b) {
  return static_cast<uint16_t>(
      ((static_cast<unsigned char>(a) << 6) ^ static_cast<unsigned char>(b)) & 4095u);
}

uint16_t TailKey(std::string_view s) {
  return static_cast<uint16_t>((static_cast<unsigned char>(s[s.size() - 2]) << 8) |
                               static_cast<unsigned char>(s.back()));
}

}  // namespace

RuleSelector::RuleSelector(const RuleSet& rules) {
  for (const auto& r : rules.rules()) rules_.push_back(r.get());
  std::map<std::string, size_t> glob_index;
  std::map<std::string, int> sniff_index, content_index;
  auto glob = [&](const std::string& g) {
    auto [it, added] = glob_index.emplace(g, globs_.size());
    if (added) {
      Glob& made = globs_.emplace_back(Glob{g, RequiredLiteral(g), {}});
      for (size_t i = 0; i + 1 < made.required.size(); ++i)
        made.pairs.push_back(PairBit(made.required[i], made.required[i + 1]));
    }
    return it->second;
  };
  RE2::Options options;
  options.set_log_errors(false);
  sniff_set_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  bool set_ok = true;
  for (const Rule* r : rules_) {
    Entry e;
    for (const std::string& g : r->paths) e.paths.push_back(glob(g));
    for (const std::string& g : r->exclude_paths) e.excludes.push_back(glob(g));
    if (r->sniff) {
      auto [it, added] = sniff_index.emplace(r->sniff->pattern(), static_cast<int>(sniffs_.size()));
      if (added) {
        sniffs_.push_back(r->sniff.get());
        anchored_sniffs_.push_back(AnchoredAtStart(r->sniff->pattern()));
        set_ok = set_ok && sniff_set_->Add(r->sniff->pattern(), nullptr) == it->second;
      }
      e.sniff = it->second;
    }
    if (r->content) {
      const Rule::Content& c = *r->content;
      std::string key = c.lines->pattern() + '\0' + (c.require ? c.require->pattern() : "") + '\0' +
                        c.comment + '\0' + std::to_string(c.share) + '/' + std::to_string(c.min);
      auto [it, added] = content_index.emplace(key, static_cast<int>(contents_.size()));
      if (added) {
        contents_.push_back(&c);
        content_leads_.push_back(LeadBytesOf(*c.lines));
      }
      e.content = it->second;
    }
    entries_.push_back(std::move(e));
  }
  if (!set_ok || sniffs_.empty() || !sniff_set_->Compile()) sniff_set_.reset();
  untried_.assign(globs_.size(), -1);
  for (size_t g = 0; g < globs_.size(); ++g) {
    std::string suffix = RequiredSuffix(globs_[g].pattern);
    if (suffix.size() < 2) continue;
    by_tail_[TailKey(suffix)].push_back(g);
    untried_[g] = 0;
  }
  path_rules_.resize(globs_.size());
  for (size_t i = 0; i < entries_.size(); ++i)
    for (size_t g : entries_[i].paths) path_rules_[g].push_back(i);
  for (size_t g = 0; g < globs_.size(); ++g)
    if (untried_[g] < 0 && !path_rules_[g].empty()) loose_paths_.push_back(g);
}

RuleSelector::~RuleSelector() = default;

void RuleSelector::Select(std::string_view path, std::string_view text, std::vector<char>* applies,
                          const std::vector<char>* only,
                          const std::vector<char>* sniff_fails) const {
  applies->assign(rules_.size(), 0);
  std::vector<signed char> glob_hit(untried_);  // -1: not tried yet, 0: cannot match
  const std::vector<size_t>* tail = nullptr;
  if (path.size() >= 2) {
    // A path ends in the suffix of every glob it matches: only those with its last two bytes.
    auto it = by_tail_.find(TailKey(path));
    if (it != by_tail_.end()) {
      tail = &it->second;
      for (size_t g : *tail) glob_hit[g] = -1;
    }
  }
  // The path's byte pairs: most globs' literals are turned away by them, without a search of
  // the path for each (hundreds of searches per entry were most of a small file's selection).
  std::array<uint64_t, 64> pairs{};
  bool paired = false;
  auto hit = [&](size_t g) {
    if (glob_hit[g] < 0) {
      if (!paired) {
        paired = true;
        for (size_t i = 0; i + 1 < path.size(); ++i) {
          uint16_t bit = PairBit(path[i], path[i + 1]);
          pairs[bit >> 6] |= uint64_t{1} << (bit & 63);
        }
      }
      const Glob& glob = globs_[g];
      glob_hit[g] =
          std::all_of(glob.pairs.begin(), glob.pairs.end(),
                      [&](uint16_t bit) { return (pairs[bit >> 6] >> (bit & 63)) & 1; }) &&
          path.find(glob.required) != std::string_view::npos && GlobMatch(glob.pattern, path);
    }
    return glob_hit[g] == 1;
  };
  std::string_view head = text.substr(0, kSniffBytes);
  // A sniff ends a line at `$`: a CRLF head is sniffed with its '\r' as a blank (made once).
  std::string crlf_storage;
  std::optional<std::string_view> sniff_head;
  auto sniff_text = [&]() {
    if (!sniff_head) sniff_head = CrlfAsBlanks(head, &crlf_storage);
    return *sniff_head;
  };
  std::vector<int> sniff_hits;
  bool sniffed = false;
  std::vector<signed char> anchored_hit;  // per sniff, -1: not tried yet
  auto sniff = [&](int s) {
    std::string_view lines = sniff_text();
    if (!sniff_set_) return RE2::PartialMatch(lines, sniffs_[s]->re());
    if (anchored_sniffs_[s] && !sniffed) {
      if (anchored_hit.empty()) anchored_hit.assign(sniffs_.size(), -1);
      if (anchored_hit[s] < 0) anchored_hit[s] = RE2::PartialMatch(lines, sniffs_[s]->re());
      return anchored_hit[s] == 1;
    }
    if (!sniffed) {
      sniffed = true;
      RE2::Set::ErrorInfo error{};
      if (!sniff_set_->Match(lines, &sniff_hits, &error) && error.kind != RE2::Set::kNoError) {
        // The DFA ran out of memory: ask each sniff on its own.
        sniff_hits.clear();
        for (size_t i = 0; i < sniffs_.size(); ++i)
          if (RE2::PartialMatch(lines, sniffs_[i]->re())) sniff_hits.push_back(static_cast<int>(i));
      }
    }
    return std::find(sniff_hits.begin(), sniff_hits.end(), s) != sniff_hits.end();
  };
  std::vector<signed char> content_hit(contents_.size(), -1);  // -1: not tried yet
  auto content = [&](int c) {
    if (content_hit[c] < 0) content_hit[c] = ContentMatches(*contents_[c], head, content_leads_[c]);
    return content_hit[c] == 1;
  };
  // First the rules a path glob selects, from the globs that can match at all.
  auto mark = [&](size_t g) {
    if (!path_rules_[g].empty() && hit(g))
      for (size_t r : path_rules_[g]) (*applies)[r] = 1;
  };
  if (tail)
    for (size_t g : *tail) mark(g);
  for (size_t g : loose_paths_) mark(g);
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (only && !(*only)[i]) {
      (*applies)[i] = 0;
      continue;
    }
    const Entry& e = entries_[i];
    bool by_path = (*applies)[i] || (e.paths.empty() && e.sniff < 0 && e.content < 0);
    // Excludes only matter to a rule that could apply: most rules' globs have just failed.
    if (!by_path && e.sniff < 0 && e.content < 0) continue;
    (*applies)[i] = 0;
    if (std::any_of(e.excludes.begin(), e.excludes.end(), hit)) continue;
    bool sniffed_out = sniff_fails && (*sniff_fails)[i];
    (*applies)[i] = by_path || (e.sniff >= 0 && !sniffed_out && sniff(e.sniff)) ||
                    (e.content >= 0 && content(e.content));
  }
}

}  // namespace ntpsweep::rules
