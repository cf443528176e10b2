#include "scan/analyze.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include <re2/filtered_re2.h>

#include "core/file.h"
#include "core/glob.h"
#include "core/line_hash.h"
#include "core/line_index.h"
#include "core/offset_map.h"
#include "core/share.h"
#include "core/strings.h"
#include "rules/evaluate.h"
#include "syntax/syntax.h"
#include "syntax/template.h"
#include "syntax/text.h"

namespace ntpsweep::scan {
namespace {

bool Overlaps(size_t a, size_t alen, size_t b, size_t blen) {
  return a < b + std::max<size_t>(blen, 1) && b < a + std::max<size_t>(alen, 1);
}

// Spans asked whether any of them Overlaps a given one, each question a bisection: a file with
// many matches compared every pair.
class SpanIndex {
 public:
  void Add(size_t offset, size_t length) {
    spans_.push_back({offset, offset + std::max<size_t>(length, 1)});
  }
  void Build() {
    std::sort(spans_.begin(), spans_.end());
    size_t reach = 0;
    for (auto& [begin, end] : spans_)
      end = reach = std::max(reach, end);  // the furthest end so far
  }
  bool Overlaps(size_t offset, size_t length) const {
    size_t end = offset + std::max<size_t>(length, 1);
    auto after = std::lower_bound(spans_.begin(), spans_.end(), std::pair<size_t, size_t>{end, 0});
    return after != spans_.begin() && std::prev(after)->second > offset;
  }

 private:
  std::vector<std::pair<size_t, size_t>> spans_;  // begin, the furthest end of it and those before
};

// Spans kept one by one, none overlapping another (each was kept only where none overlapped).
class DisjointSpans {
 public:
  bool Overlaps(size_t offset, size_t length) const {
    auto after = ends_.lower_bound(offset + std::max<size_t>(length, 1));
    return after != ends_.begin() && std::prev(after)->second > offset;
  }
  void Add(size_t offset, size_t length) { ends_[offset] = offset + std::max<size_t>(length, 1); }

 private:
  std::map<size_t, size_t> ends_;  // begin -> end
};

// The body of the comment that `offset` stands in, if it stands in one: the line's text after
// its comment markers (shell, INI, C-like, YAML, SQL, XML; PowerShell <# #> blocks). Prose
// documents (Markdown, reStructuredText, text) have no comments: a leading '#' is a heading.
// Whether that body is commented-out config is decided by reading it (CommentedOut).
struct CommentBody {
  size_t offset = 0;  // of the body in the text
  std::string_view text;
};

std::optional<CommentBody> FindCommentBody(std::string_view text, size_t offset,
                                           std::string_view path, CommentScan* scan) {
  if (EndsWith(path, ".md") || EndsWith(path, ".markdown") || EndsWith(path, ".rst") ||
      EndsWith(path, ".txt"))
    return std::nullopt;
  // The line's bounds, found again only on another line: searched for each mention, one long
  // line of 20,000 mentions took seconds.
  if (scan->line_begin == std::string_view::npos || offset < scan->line_begin ||
      offset > scan->line_end) {
    size_t b = offset == 0 ? 0 : text.rfind('\n', offset - 1);
    scan->line_begin = b == std::string_view::npos || offset == 0 ? 0 : b + 1;
    size_t e = text.find('\n', offset);
    scan->line_end = e == std::string_view::npos ? text.size() : e;
  }
  size_t bol = scan->line_begin;
  while (bol < offset && (text[bol] == ' ' || text[bol] == '\t')) ++bol;
  std::string_view rest = text.substr(bol, scan->line_end - bol);
  if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
  // PowerShell <# ... #>: a line inside the block is a comment body (without the markers).
  if (syntax::ReadingSyntax("shell", path) == "powershell" &&
      (scan->blocks ? *scan->blocks : scan->blocks.emplace(text)).Contains(offset)) {
    size_t skip = rest.starts_with("<#") ? 2 : 0;
    std::string_view body = rest.substr(skip);
    if (size_t close = body.find("#>"); close != std::string_view::npos)
      body = body.substr(0, close);
    return CommentBody{bol + skip, body};
  }
  size_t markers = 0;
  for (std::string_view m : {"#", ";", "//", "<!--", "--"})
    if (rest.starts_with(m)) {
      markers = m.size();
      break;
    }
  if (markers == 0) return std::nullopt;
  // "##", "///", "#!": the markers repeat; then the body.
  std::string_view repeat = rest.starts_with("--") ? "-" : "#;/!*";
  while (markers < rest.size() && repeat.find(rest[markers]) != std::string_view::npos) ++markers;
  std::string_view body = rest.substr(markers);
  if (body.ends_with("-->")) body.remove_suffix(3);
  return CommentBody{bol + markers, body};
}

std::string_view MatchKindName(host::MatchKind k) {
  switch (k) {
    case host::MatchKind::kExact:
      return "exact";
    case host::MatchKind::kInRange:
      return "in-range";
    case host::MatchKind::kEmbedded:
      return "embedded";
    case host::MatchKind::kShortName:
      return "short-name";
  }
  return "exact";
}

}  // namespace

PathClass ClassifyPath(std::string_view path) {
  static constexpr std::string_view kSuffixes[] = {
      ".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-bak", ".ucf-dist", ".ucf-old",
      ".ucf-new",  ".rpmnew",    ".rpmsave",  ".rpmorig",  ".dist",     ".orig",
      ".bak",      ".old",       ".save",     ".backup",   ".disabled", "~"};
  PathClass out;
  out.effective_path = std::string(path);
  for (bool again = true; again;) {
    again = false;
    for (std::string_view s : kSuffixes) {
      if (EndsWith(out.effective_path, s) && out.effective_path.size() > s.size() &&
          out.effective_path[out.effective_path.size() - s.size() - 1] != '/') {
        out.effective_path.resize(out.effective_path.size() - s.size());
        out.backup_copy = again = true;
      }
    }
  }
  out.rendered_path = std::string(syntax::StripTemplateSuffixes(out.effective_path));
  out.template_name = out.rendered_path != out.effective_path;
  std::string_view p = path;
  while (p.starts_with("./")) p.remove_prefix(2);
  // Packages keep pristine copies of their configs under /usr/share/<pkg>/ (ucf, examples).
  if (p.starts_with("usr/share/") || p.starts_with("/usr/share/") ||
      p.find("/usr/share/") != std::string_view::npos)
    out.backup_copy = true;
  return out;
}

void SelectRules(const rules::RuleSelector& selector, const PathClass& path, std::string_view text,
                 std::vector<char>* applies, const std::vector<char>* only,
                 const std::vector<char>* sniff_fails) {
  selector.Select(path.effective_path, text, applies, path.template_name ? nullptr : only,
                  sniff_fails);
  if (!path.template_name) return;
  // The template reader embeds a time-daemon config it renders (chrony.conf.j2) as that config.
  bool embeds = !syntax::TemplateDestination(path.effective_path).empty();
  for (size_t i = 0; embeds && i < applies->size(); ++i)
    if ((*applies)[i] && selector.rules()[i]->type == rules::MatchType::kDirective &&
        selector.rules()[i]->syntax == "template")
      return;
  std::vector<char> rendered;
  selector.Select(path.rendered_path, text, &rendered, nullptr, sniff_fails);
  for (size_t i = 0; i < applies->size(); ++i) (*applies)[i] = (*applies)[i] || rendered[i];
}

namespace {

// Whether a fact's name is `word` in the case `info` reads names in.
bool Named(const syntax::SyntaxInfo& info, std::string_view name, std::string_view word) {
  return info.ignore_case ? IEquals(name, word) : name == word;
}

// Include directives of `info` among the facts, as globs (see IncludeRef); with `pull_ins`, the
// files the document pulls in too (SyntaxInfo::pulls, "@install" sources), with no syntax: each
// in the directories an install looks in (syntax::InstallSourceDirs), and under the root.
void CollectIncludes(const syntax::SyntaxInfo& info, const syntax::Document& doc,
                     std::string_view path, bool pull_ins, std::vector<IncludeRef>* out) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string_view::npos ? "" : std::string(path.substr(0, slash + 1));
  for (const syntax::Fact& fact : doc.facts) {
    if (fact.commented) continue;
    for (const syntax::IncludeSpec& spec : info.includes) {
      if (!Named(info, fact.name, spec.directive)) continue;
      for (const syntax::Token& arg : fact.args) {
        std::string p(arg.text);
        if (p.empty() || p.front() == '-') continue;
        bool in_root = p.front() == '/';
        if (!in_root) p = dir + p;
        while (p.size() > 1 && p.back() == '/') p.pop_back();
        if (spec.file_too) out->push_back({std::string(info.name), p, in_root});
        if (!spec.dir_glob.empty())
          out->push_back({std::string(info.name), p + "/" + std::string(spec.dir_glob), in_root});
      }
    }
    if (!pull_ins || fact.args.empty()) continue;
    const bool pulls = fact.name == "@install" ||
                       std::any_of(info.pulls.begin(), info.pulls.end(),
                                   [&](std::string_view p) { return Named(info, fact.name, p); });
    std::string_view name = fact.args.front().text;
    // A variable, a template expression or a URL names no file of the tree.
    if (!pulls || name.empty() || name.front() == '-' ||
        name.find_first_of("$`") != std::string_view::npos ||
        name.find("{{") != std::string_view::npos || name.find("<%") != std::string_view::npos ||
        name.find("://") != std::string_view::npos)
      continue;
    // The name may be a directory (COPY conf.d /etc/chrony/conf.d/): what lies below it too.
    auto pull = [out](std::string pattern, bool in_root) {
      if (pattern.empty() || pattern == "/" || pattern.starts_with("../")) return;
      out->push_back({"", pattern + "/**", in_root});
      out->push_back({"", std::move(pattern), in_root});
    };
    if (name.front() == '/') {
      pull(LexicallyNormal(name), true);
      continue;
    }
    for (const std::string& d : syntax::InstallSourceDirs(dir))
      pull(LexicallyNormal(d + std::string(name)), false);
    // A build context or a playbook run from the top of the tree: the scan root.
    pull("/" + LexicallyNormal(name), true);
  }
}

// Seconds this thread spent matching rules (--stats "rules", apart from the readers).
thread_local double rule_seconds = 0;

struct RuleClock {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  ~RuleClock() {
    rule_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
};

}  // namespace

double Analyzer::TakeRuleSeconds() {
  return std::exchange(rule_seconds, 0.0);
}

// How deep documents may nest inside documents (a heredoc in a write_files entry in user-data).
constexpr int kMaxEmbeddingDepth = 4;

struct Analyzer::Hit {
  const rules::Rule* rule = nullptr;
  size_t offset = 0;  // in the outermost document
  size_t length = 0;
  size_t target = 0;
  host::MatchKind kind = host::MatchKind::kExact;
  bool commented = false;
  bool templated = false;
  std::string directive;
  std::string matched;                       // as written in the (possibly inner, decoded) document
  std::string embedded_path;                 // destination path of the inner document, if any
  bool escaped = false;                      // free text with escaped separators (10\.0\.0\.1)
  size_t time_read = syntax::Fact::kNoRead;  // where the variable's value reaches a time source
};

const std::vector<std::string>& EncodingMarkers() {
  // Hyperscan patterns. A data URL is "data:[type][;base64]," with no blank before the comma,
  // unlike a YAML `data:` key.
  static const std::vector<std::string> kMarkers = {
      "b64", "base64", "gzip",                   // cloud-init encodings, MIME parts
      "data:[a-z0-9/+.-]*(?:;[a-z0-9=+.-]*)*,",  // data URLs (Ignition, MachineConfig)
  };
  return kMarkers;
}

namespace {

// An include directive starts its line (after blanks): a pattern each, in the form the gate
// compiles as a literal and checks around each hit (one alternation of them, anchored only by a
// line start, made the gate's whole pass a third slower).
std::vector<std::string> IncludeLines() {
  std::set<std::string> directives;
  for (const syntax::SyntaxInfo& info : syntax::Syntaxes())
    for (const syntax::IncludeSpec& spec : info.includes)
      directives.insert(host::LineFirstPattern(spec.directive));
  return {directives.begin(), directives.end()};
}

std::vector<std::string> Quoted(const std::vector<std::string>& literals) {
  std::vector<std::string> out;
  for (const std::string& l : literals) out.push_back(host::QuoteLiteral(l));
  return out;
}

// Pattern groups of the gate, after the targets (host::Prefilter bits 2, 4, 8).
constexpr uint32_t kEncodingBit = 2, kIncludeBit = 4, kHintBit = 8;

}  // namespace

// One FilteredRE2 over every regex rule's gate pattern, as WordsOf reads each for its atoms.
struct Analyzer::RegexAtomTree {
  re2::FilteredRE2 filter{3};          // the atom length WordsOf asks for (rules/select.cpp)
  std::vector<size_t> rule_of_regexp;  // the filter's regexp id -> index into selector_.rules()
  std::vector<int> word_of_atom;       // the filter's atom id -> tracked-pattern id, or -1
};

struct Analyzer::SniffAtomTree {
  // Atoms of two characters: the template sniff's `{{`, `{%` and `<%` (tracked words already).
  re2::FilteredRE2 filter{2};
  std::vector<int> regexp_of_rule;  // per rule: its sniff's id in the filter, or -1
  std::vector<int> word_of_atom;    // the filter's atom id -> tracked-pattern id, or -1
  size_t regexps = 0;               // sniffs added to the filter
};

namespace {

// Whether `pattern` sets the `i` flag anywhere ((?i), (?mi:...)): its atoms then stand for
// spellings (a long s, the Kelvin sign) that the words' ASCII-caseless scan does not see.
bool SetsIgnoreCase(std::string_view pattern) {
  for (size_t at = pattern.find("(?"); at != std::string_view::npos;
       at = pattern.find("(?", at + 2)) {
    for (size_t i = at + 2; i < pattern.size() && pattern[i] != ':' && pattern[i] != ')'; ++i)
      if (pattern[i] == 'i') return true;
  }
  return false;
}

}  // namespace

Analyzer::Analyzer(const rules::RuleSet& rules, const host::TargetSet& targets,
                   const HintLiterals& hints)
    : rules_(rules), targets_(targets), selector_(rules) {
  for (size_t i = 0; i < selector_.rules().size(); ++i)
    (selector_.rules()[i]->type == rules::MatchType::kDirective ? directive_rules_ : other_rules_)
        .push_back(i);
  include_rules_.assign(selector_.rules().size(), 0);
  pull_rules_.assign(selector_.rules().size(), 0);
  decoding_rules_.assign(selector_.rules().size(), 0);
  embeds_.assign(selector_.rules().size(), 0);
  spells_cr_.assign(selector_.rules().size(), 0);
  for (size_t i : other_rules_)
    if (const rules::Rule* r = selector_.rules()[i]; r->type == rules::MatchType::kRegex)
      spells_cr_[i] = rules::SpellsCarriageReturn(*r);
  for (size_t i : directive_rules_) {
    const syntax::SyntaxInfo* info = syntax::FindSyntax(selector_.rules()[i]->syntax);
    include_rules_[i] = !info->includes.empty();
    pull_rules_[i] = include_rules_[i] || !info->pulls.empty() || !info->install_words.empty();
    decoding_rules_[i] = info->decodes;
    embeds_[i] = info->embeds;
  }
  // WordsOf compiles each regex again for its atoms, most of start-up's wait for the rules: the
  // rules are shared by two threads. A rule's own words are the inventory's (no targets): their
  // patterns cost Hyperscan's compile of the word database at every start, where a scan gains
  // nothing.
  std::vector<rules::RuleSelector::Words> words_of(selector_.rules().size());
  Share(words_of.size(), 2, [&](size_t i) {
    words_of[i] = rules::RuleSelector::WordsOf(*selector_.rules()[i], targets.empty());
  });
  // Every rule's words, deduplicated; a rule is possible in an entry where all words of one of
  // its alternatives occur.
  std::vector<std::string> words;  // Hyperscan patterns
  std::map<rules::RuleSelector::Word, int> word_index;
  for (size_t rule = 0; rule < selector_.rules().size(); ++rule) {
    rules::RuleSelector::Words& w = words_of[rule];
    if (w.always) always_rules_.push_back(rule);
    for (const auto& alternative : w.alternatives) {
      std::vector<int> ids;
      for (rules::RuleSelector::Word word : alternative) {
        // A pattern is read as written (lowering it would turn \B into \b); case is ignored.
        if (!word.pattern)
          for (char& c : word.text)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto [it, added] = word_index.emplace(word, static_cast<int>(words.size()));
        if (added && !word.whole && !word.pattern) part_word_ids_.emplace(word.text, it->second);
        if (added) {
          std::string quoted = word.pattern ? word.text : host::QuoteLiteral(word.text);
          words.push_back(word.whole ? "\\b" + quoted + "\\b" : quoted);
        }
        ids.push_back(it->second);
      }
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      word_alternatives_.push_back({rule, std::move(ids)});
    }
  }
  // Each sniff's atoms are tracked words too (a sniff with the `i` flag stays unfiltered).
  // A sniff whose atoms the words lack is never run (SniffsFailing).
  auto sniffs = std::make_unique<SniffAtomTree>();
  sniffs->regexp_of_rule.assign(selector_.rules().size(), -1);
  std::map<std::string, int, std::less<>> sniff_ids;
  RE2::Options sniff_options;  // as AtomsOf compiles a pattern for its atoms
  sniff_options.set_log_errors(false);
  for (size_t rule = 0; rule < selector_.rules().size(); ++rule) {
    const rules::Regex* sniff = selector_.rules()[rule]->sniff.get();
    // An anchored sniff is asked on its own at the head's start (RuleSelector): no words needed.
    if (!sniff || SetsIgnoreCase(sniff->pattern()) || rules::AnchoredAtStart(sniff->pattern()))
      continue;
    auto [it, added] = sniff_ids.emplace(sniff->pattern(), -1);
    if (added && sniffs->filter.Add(sniff->pattern(), sniff_options, &it->second) != RE2::NoError)
      it->second = -1;
    if (added && it->second >= 0) ++sniffs->regexps;
    sniffs->regexp_of_rule[rule] = it->second;
  }
  if (sniffs->regexps > 0) {
    std::vector<std::string> atoms;
    sniffs->filter.Compile(&atoms);
    for (const std::string& atom : atoms) {
      // Lower case already (FilteredRE2); a byte outside ASCII has case the scan does not fold.
      if (std::any_of(atom.begin(), atom.end(), [](char c) { return (c & 0x80) != 0; })) {
        sniffs->word_of_atom.push_back(-1);
        continue;
      }
      auto [it, added] = word_index.emplace(rules::RuleSelector::Word{atom, false},
                                            static_cast<int>(words.size()));
      if (added) {
        part_word_ids_.emplace(atom, it->second);
        words.push_back(host::QuoteLiteral(atom));
      }
      sniffs->word_of_atom.push_back(it->second);
    }
    sniff_atoms_ = std::move(sniffs);
  }
  alternatives_of_word_.resize(words.size());
  for (size_t a = 0; a < word_alternatives_.size(); ++a)
    for (int w : word_alternatives_[a].second)
      alternatives_of_word_[static_cast<size_t>(w)].push_back(a);
  // A one-byte literal ('$') made every Hyperscan pass a third slower on a root file system,
  // where memchr finds it at once.
  std::vector<std::string> long_hints;
  for (const std::string& h : hints.anywhere) {
    if (h.size() != 1) {
      long_hints.push_back(h);
      continue;
    }
    for (int c : {std::tolower(static_cast<unsigned char>(h[0])),
                  std::toupper(static_cast<unsigned char>(h[0]))})
      if (one_byte_hints_.find(static_cast<char>(c)) == std::string::npos)
        one_byte_hints_ += static_cast<char>(c);
  }
  std::vector<std::string> hint_patterns = Quoted(long_hints);
  for (const std::string& h : hints.whole_words) hint_patterns.push_back(host::WholeWordPattern(h));
  for (const std::string& h : hints.line_first) hint_patterns.push_back(host::LineFirstPattern(h));
  // The hints are in most texts, early: a pass of their own ends at the first, where in the gate's
  // database they made every pass half again as long.
  prefilter_ = std::make_unique<host::Prefilter>(
      targets,
      std::vector<std::vector<std::string>>{EncodingMarkers(), IncludeLines(), hint_patterns},
      words, kHintBit);
}

Analyzer::~Analyzer() = default;

std::vector<std::pair<std::string, size_t>> Analyzer::ReaderCounts() const {
  std::lock_guard lock(counts_mu_);
  return {reader_counts_.begin(), reader_counts_.end()};
}

std::vector<std::pair<std::string, size_t>> Analyzer::ReadersOverSize() const {
  std::lock_guard lock(counts_mu_);
  return {readers_over_size_.begin(), readers_over_size_.end()};
}

std::string ReaderBoundMessage(std::string_view syntax, size_t bytes, size_t bound) {
  return "not read by the " + std::string(syntax) + " reader: " + std::to_string(bytes) +
         " bytes, over --max-reader-size (" + std::to_string(bound) + ")";
}

Screening Analyzer::Screen(std::string_view path, std::string_view text,
                           const std::vector<std::string>* forced_syntaxes, bool hint_words) const {
  uint32_t bits = prefilter_->Scan(text);
  Screening s;
  // The rule selection, made once and only when needed; Collect reuses it. Syntaxes forced by
  // an include directive apply whatever the path.
  auto select = [&]() -> const std::vector<char>& {
    if (!s.applies.empty()) return s.applies;
    SelectRules(selector_, ClassifyPath(path), text, &s.applies);
    for (size_t i = 0; forced_syntaxes && i < s.applies.size(); ++i)
      if (selector_.rules()[i]->type == rules::MatchType::kDirective &&
          std::find(forced_syntaxes->begin(), forced_syntaxes->end(),
                    selector_.rules()[i]->syntax) != forced_syntaxes->end())
        s.applies[i] = 1;
    return s.applies;
  };
  // Encoded content (base64, gzip) hides what it holds only from readers that decode it: only
  // their rules are asked, as every rule's content test over the head was a seventh of a root
  // file system's gate (one text in twenty names gzip or base64; few are YAML or JSON). An
  // inventory (no targets) makes the whole selection below anyway: that one is asked.
  bool decoded = (bits & kEncodingBit) && [&] {
    std::vector<char> own;
    if (!targets_.empty()) SelectRules(selector_, ClassifyPath(path), text, &own, &decoding_rules_);
    const std::vector<char>& applies = targets_.empty() ? select() : own;
    for (size_t i : directive_rules_)
      if (decoding_rules_[i] &&
          (applies[i] ||
           (forced_syntaxes && std::find(forced_syntaxes->begin(), forced_syntaxes->end(),
                                         selector_.rules()[i]->syntax) != forced_syntaxes->end())))
        return true;
    return false;
  }();
  bool free_text = (bits & host::Prefilter::kTargets) != 0;
  // A spelling only a resolver reads (012.0.0.1, a short name) matters only where a rule reads
  // host values, and such a rule needs its words: 0x1f in code or a first label in prose alone
  // is no candidate.
  bool resolver_only = !free_text && (bits & host::Prefilter::kResolverForms);
  s.includes = (bits & kIncludeBit) != 0;
  s.hints = (bits & kHintBit) != 0 ||
            std::any_of(one_byte_hints_.begin(), one_byte_hints_.end(), [&](char c) {
              return std::memchr(text.data(), c, text.size()) != nullptr;
            });
  s.words = decoded;  // decoded content may name anything
  // Words are asked for where they decide: inventory (no targets), linkage hints, resolver forms.
  // A rule can name a fact only where all words of one of its alternatives occur and its globs
  // or sniff select the entry; rules without words go by the latter alone. The words take a
  // second pass over the text, made only here.
  bool asked = !s.words && (targets_.empty() || (s.hints && hint_words) || resolver_only);
  // A reader that finds documents inside this one (a heredoc into chrony.conf) lets the
  // candidates' own paths decide later.
  auto embeds = [&](const std::vector<char>& applies) {
    return std::any_of(directive_rules_.begin(), directive_rules_.end(),
                       [&](size_t i) { return applies[i] && Embeds(i); });
  };
  std::vector<char> word_hits;
  if (asked && !always_rules_.empty()) {
    // Some rule is always a candidate, so the selection is made anyway: made first, it often
    // decides alone, and else the words are scanned only until a rule it selects has all of one
    // alternative's.
    const std::vector<char>& applies = select();
    s.words = std::any_of(always_rules_.begin(), always_rules_.end(),
                          [&](size_t r) { return applies[r] != 0; }) ||
              embeds(applies);
    constexpr size_t kNotSelected = std::numeric_limits<size_t>::max();
    std::vector<size_t> missing(word_alternatives_.size());  // words not seen yet
    for (size_t a = 0; !s.words && a < missing.size(); ++a) {
      missing[a] =
          applies[word_alternatives_[a].first] ? word_alternatives_[a].second.size() : kNotSelected;
      s.words = missing[a] == 0;
    }
    if (!s.words)
      prefilter_->ScanTracked(text, &word_hits, [&](size_t w) {
        for (size_t a : alternatives_of_word_[w])
          if (missing[a] != kNotSelected && --missing[a] == 0) s.words = true;
        return s.words;
      });
  } else if (asked) {
    prefilter_->ScanTracked(text, &word_hits);
    std::vector<size_t> candidates;
    for (const auto& [rule, ids] : word_alternatives_)
      if (std::all_of(ids.begin(), ids.end(), [&](int w) { return word_hits[w] != 0; }))
        candidates.push_back(rule);
    if (!candidates.empty()) {
      const std::vector<char>& applies = select();
      s.words = std::any_of(candidates.begin(), candidates.end(),
                            [&](size_t r) { return applies[r] != 0; }) ||
                embeds(applies);
    }
  }
  s.targets = !targets_.empty() && (free_text || decoded || (resolver_only && s.words));
  return s;
}

const Analyzer::RegexAtomTree* Analyzer::RegexAtoms() const {
  std::call_once(regex_atoms_once_, [this] {
    auto tree = std::make_unique<RegexAtomTree>();
    RE2::Options options;  // as AtomsOf compiles a pattern for its atoms
    options.set_log_errors(false);
    for (size_t i = 0; i < selector_.rules().size(); ++i) {
      const rules::Rule& rule = *selector_.rules()[i];
      int id = 0;
      if (rule.type != rules::MatchType::kRegex ||
          tree->filter.Add(rules::RegexGate(rule).pattern(), options, &id) != RE2::NoError)
        continue;  // a pattern FilteredRE2 cannot read has no words: selected by path alone
      tree->rule_of_regexp.push_back(i);
    }
    if (tree->rule_of_regexp.empty()) return;
    std::vector<std::string> atoms;
    tree->filter.Compile(&atoms);
    for (const std::string& atom : atoms) {
      auto it = part_word_ids_.find(atom);
      tree->word_of_atom.push_back(it == part_word_ids_.end() ? -1 : it->second);
    }
    regex_atoms_ = std::move(tree);
  });
  return regex_atoms_.get();
}

Screening Analyzer::ScreenSources(std::string_view path, std::string_view text) const {
  uint32_t bits = prefilter_->Scan(text);
  // Targets, or encoded content a decoding reader may find anything in: the whole gate.
  if (!targets_.empty() || (bits & kEncodingBit)) return Screen(path, text);
  Screening s;
  s.targets = false;
  s.includes = (bits & kIncludeBit) != 0;
  prefilter_->ScanTracked(text, &s.word_hits);
  const size_t n = selector_.rules().size();
  const std::vector<char> possible = RulesWithWords(s.word_hits);
  // Asked of: the possible rules, the readers that embed documents, and the text rules that
  // KeepPossibleRules keeps whatever the words.
  std::vector<char> asked = possible;
  for (size_t i = 0; i < n; ++i)
    asked[i] = asked[i] || selector_.rules()[i]->type == rules::MatchType::kText || Embeds(i);
  const std::vector<char> sniff_fails = SniffsFailing(s.word_hits);
  SelectRules(selector_, ClassifyPath(path), text, &s.applies, &asked,
              sniff_fails.empty() ? nullptr : &sniff_fails);
  s.words = false;
  for (size_t i = 0; i < n && !s.words; ++i) s.words = s.applies[i] && (possible[i] || Embeds(i));
  return s;
}

std::vector<char> Analyzer::SniffsFailing(const std::vector<char>& hits) const {
  if (!sniff_atoms_) return {};
  std::vector<int> found, potential;
  for (size_t a = 0; a < sniff_atoms_->word_of_atom.size(); ++a)
    if (int w = sniff_atoms_->word_of_atom[a]; w < 0 || hits[static_cast<size_t>(w)])
      found.push_back(static_cast<int>(a));
  sniff_atoms_->filter.AllPotentials(found, &potential);
  std::vector<char> passes(sniff_atoms_->regexps, 0);
  for (int p : potential) passes[static_cast<size_t>(p)] = 1;
  std::vector<char> fails(selector_.rules().size(), 0);
  for (size_t i = 0; i < fails.size(); ++i)
    if (int r = sniff_atoms_->regexp_of_rule[i]; r >= 0) fails[i] = !passes[static_cast<size_t>(r)];
  return fails;
}

void Analyzer::KeepPossibleRules(std::string_view text, std::vector<char>* applies,
                                 const std::vector<char>* known_hits) const {
  if (applies->size() != selector_.rules().size()) return;
  std::vector<char> scanned;
  if (!known_hits) prefilter_->ScanTracked(text, &scanned);
  const std::vector<char>& hits = known_hits ? *known_hits : scanned;
  std::vector<char> possible = RulesWithWords(hits);
  // A regex rule's words are each of its atoms; its pattern needs them in combinations
  // (network-ntp-set-command: `set` and `ntp` and `server`...), which the filter's tree tells.
  if (const RegexAtomTree* tree = RegexAtoms()) {
    std::vector<int> found, potential;
    for (size_t a = 0; a < tree->word_of_atom.size(); ++a)
      if (int w = tree->word_of_atom[a]; w < 0 || hits[static_cast<size_t>(w)])
        found.push_back(static_cast<int>(a));
    tree->filter.AllPotentials(found, &potential);
    std::vector<char> passes(tree->rule_of_regexp.size(), 0);
    for (int p : potential) passes[static_cast<size_t>(p)] = 1;
    for (size_t k = 0; k < passes.size(); ++k)
      possible[tree->rule_of_regexp[k]] = possible[tree->rule_of_regexp[k]] && passes[k];
  }
  for (size_t i = 0; i < applies->size(); ++i) {
    if (!(*applies)[i] || possible[i] || selector_.rules()[i]->type == rules::MatchType::kText ||
        Embeds(i))
      continue;
    (*applies)[i] = 0;
  }
}

std::vector<char> Analyzer::RulesWithWords(const std::vector<char>& hits) const {
  std::vector<char> possible(selector_.rules().size(), 0);
  for (size_t r : always_rules_) possible[r] = 1;
  for (const auto& [rule, ids] : word_alternatives_)
    possible[rule] = possible[rule] || std::all_of(ids.begin(), ids.end(), [&](int w) {
                       return hits[static_cast<size_t>(w)] != 0;
                     });
  return possible;
}

bool Analyzer::Embeds(size_t rule) const {
  return embeds_[rule] != 0;
}

namespace {

// JSON is YAML: where rules of both syntaxes apply (values.json, vars.yml.json, a YAML file
// holding JSON), both readers read the same facts. A span found in both readings is reported
// once, by the rule of the file's own syntax (json for *.json, yaml otherwise).
void DropSecondReading(std::string_view path, std::vector<rules::RawMatch>* specific) {
  std::string_view own = EndsWith(path, ".json") ? "json" : "yaml";
  std::string_view other = own == "json" ? "yaml" : "json";
  std::set<std::pair<size_t, size_t>> spans;
  for (const rules::RawMatch& m : *specific)
    if (m.rule->type == rules::MatchType::kDirective && m.rule->syntax == own)
      spans.emplace(m.offset, m.length);
  std::erase_if(*specific, [&](const rules::RawMatch& m) {
    return m.rule->type == rules::MatchType::kDirective && m.rule->syntax == other &&
           spans.count({m.offset, m.length});
  });
}

}  // namespace

void Analyzer::Collect(std::string_view path, std::string_view text, int depth,
                       std::vector<Hit>* hits,
                       std::vector<std::pair<size_t, std::string>>* diagnostics,
                       std::vector<IncludeRef>* includes,
                       const std::vector<std::string>* forced_syntaxes, bool includes_only,
                       const std::vector<char>* selection,
                       std::vector<std::pair<size_t, std::string>>* unread) const {
  PathClass pc = ClassifyPath(path);
  std::vector<char> selected;
  // Where only includes are read, only the daemons' rules are selected: the sniffs' pass and
  // the other content tests were most of what an entry with an include line cost.
  if (!selection)
    SelectRules(selector_, pc, text, &selected,
                !includes_only ? nullptr
                : pull_ins_    ? &pull_rules_
                               : &include_rules_);
  const std::vector<char>& applies = selection ? *selection : selected;
  std::vector<rules::RawMatch> specific, mentions;
  std::vector<rules::ByteRange> host_ranges;
  std::vector<syntax::EmbeddedDocument> embedded;
  std::deque<syntax::Document> documents;  // keeps the facts' storage alive until hits are built
  // Group the applicable directive rules by syntax so each reader runs once.
  std::map<std::string_view, std::vector<const rules::Rule*>> by_syntax;
  for (size_t i : directive_rules_) {
    const rules::Rule* r = selector_.rules()[i];
    bool forced = forced_syntaxes && std::find(forced_syntaxes->begin(), forced_syntaxes->end(),
                                               r->syntax) != forced_syntaxes->end();
    if (forced || applies[i]) by_syntax[r->syntax].push_back(r);
  }
  if (includes_only) {
    // No target can be here (the gate said so): only the daemons' include directives matter,
    // and for CollectPullIns what the entry pulls in.
    std::erase_if(by_syntax, [this](const auto& group) {
      const syntax::SyntaxInfo* info = syntax::FindSyntax(group.first);
      return info->includes.empty() &&
             !(pull_ins_ && (!info->pulls.empty() || !info->install_words.empty()));
    });
  }
  // A reader holds many times its input: past the bound the text rules alone read the document.
  const bool too_big = text.size() > max_reader_bytes_;
  if (!by_syntax.empty()) {
    std::lock_guard lock(counts_mu_);
    for (const auto& group : by_syntax)
      ++(too_big ? readers_over_size_ : reader_counts_)[std::string(group.first)];
  }
  if (too_big) {
    if (unread)
      for (const auto& group : by_syntax)
        unread->emplace_back(0, ReaderBoundMessage(group.first, text.size(), max_reader_bytes_) +
                                    "; its text was still matched as free text");
    by_syntax.clear();
  }
  for (const auto& [name, group] : by_syntax) {
    syntax::Document& doc = documents.emplace_back();
    const syntax::SyntaxInfo* info = syntax::FindSyntax(name);
    syntax::ReadDocument(*info, path, text, &doc);  // template-aware (syntax/template.h)
    if (includes) CollectIncludes(*info, doc, path, pull_ins_, includes);
    {
      RuleClock clock;
      rules::MatchDirectives(group, doc.facts, targets_, &specific, &host_ranges);
    }
    for (auto& d : doc.diagnostics) diagnostics->emplace_back(d.offset, std::move(d.message));
    for (auto& e : doc.embedded) embedded.push_back(std::move(e));
  }
  if (by_syntax.count("yaml") && by_syntax.count("json")) DropSecondReading(path, &specific);
  // Inner documents first: their findings cover spans of this document like specific ones.
  std::vector<Hit> inner_hits;
  if (includes_only) return;
  if (depth < kMaxEmbeddingDepth) {
    for (const syntax::EmbeddedDocument& e : embedded) {
      std::vector<Hit> inner;
      std::vector<std::pair<size_t, std::string>> inner_diags, inner_unread;
      Collect(e.path, e.text, depth + 1, &inner, &inner_diags, nullptr, nullptr, false, nullptr,
              unread ? &inner_unread : nullptr);
      auto map = [&](size_t off) { return OuterOffset(e.line_map, off, e.outer_offset); };
      for (Hit& h : inner) {
        h.offset = map(h.offset);
        if (h.time_read != syntax::Fact::kNoRead) h.time_read = map(h.time_read);
        if (e.line_map.empty()) h.length = e.outer_length;
        if (h.embedded_path.empty()) h.embedded_path = e.path;
        // The catch-all of the inner document gives way to this document's own reading
        // (a template's default list read by the template syntax), and so does the same rule
        // reading the same span again (a template embedded as the config it renders).
        bool covered = false;
        for (const rules::RawMatch& s : specific)
          covered = covered || ((h.rule->type == rules::MatchType::kText || h.rule == s.rule) &&
                                Overlaps(h.offset, h.length, s.offset, s.length));
        if (covered) continue;
        host_ranges.push_back({h.offset, h.length});
        inner_hits.push_back(std::move(h));
      }
      for (auto& [off, msg] : inner_diags)
        diagnostics->emplace_back(map(off), "in embedded " + e.path + ": " + msg);
      for (auto& [off, msg] : inner_unread)
        unread->emplace_back(map(off), "embedded " + e.path + " " + msg);
    }
  } else if (!embedded.empty()) {
    diagnostics->emplace_back(embedded.front().outer_offset,
                              "documents nested deeper than " + std::to_string(kMaxEmbeddingDepth) +
                                  " levels were not read");
  }
  // Only directive syntaxes see inet_aton forms and short names; everything else needs a
  // literal mention, so a file without one is done here.
  if (by_syntax.empty() && inner_hits.empty() && !targets_.MayMention(text)) return;
  RuleClock clock;
  // Regex rules end a line at `$`, which RE2 puts before '\n' only: in a CRLF file a rule sees
  // the '\r' as a blank (same length, so every offset holds), unless its pattern spells \r.
  std::string crlf_storage;
  std::optional<std::string_view> crlf_as_blanks;
  for (size_t i : other_rules_) {
    if (!applies[i]) continue;
    const rules::Rule* r = selector_.rules()[i];
    if (r->type == rules::MatchType::kRegex) {
      if (!spells_cr_[i] && !crlf_as_blanks)
        crlf_as_blanks = rules::CrlfAsBlanks(text, &crlf_storage);
      rules::MatchRegex(*r, spells_cr_[i] ? text : *crlf_as_blanks, targets_, &specific);
    } else {
      rules::MatchText(*r, text, targets_, &mentions);
    }
  }
  // A fallback rule gives way to any other rule on the same span (the generic time-server key
  // rule to the cloud-init one, a comment heuristic to the daemon's own reading).
  {
    SpanIndex winners;
    for (const rules::RawMatch& s : specific)
      if (!s.rule->fallback) winners.Add(s.offset, s.length);
    for (const Hit& h : inner_hits) winners.Add(h.offset, h.length);
    winners.Build();
    std::vector<rules::RawMatch> kept;
    std::set<std::tuple<const rules::Rule*, size_t, size_t, size_t>> spans_kept;
    std::set<std::tuple<size_t, size_t, size_t>> fallback_spans;
    for (const rules::RawMatch& m : specific) {
      if (m.rule->fallback && winners.Overlaps(m.offset, m.length)) continue;
      // Two fallbacks on one span (a list bound to `ntpServers` and beside pool.ntp.org): the
      // first, a reader's binding before a pattern's, is the one finding.
      if (m.rule->fallback && !fallback_spans.emplace(m.offset, m.length, m.target).second)
        continue;
      // One finding per rule and span: two names for one value (`ntpServer =
      // flag.String("ntp-server", H, ...)`) are one default.
      if (!spans_kept.emplace(m.rule, m.offset, m.length, m.target).second) continue;
      kept.push_back(m);
    }
    specific = std::move(kept);
  }
  // A specific rule beats the catch-all on the same span, and a daemon's reading of a host
  // argument beats a free-text reading of it (10.0.0.010 is 10.0.0.8 to ntpd). A mention kept
  // beats a later one on its span.
  SpanIndex taken;
  for (const rules::RawMatch& s : specific) taken.Add(s.offset, s.length);
  for (const rules::ByteRange& h : host_ranges) taken.Add(h.offset, h.length);
  taken.Build();
  DisjointSpans mentions_kept;
  CommentScan comments;
  for (const rules::RawMatch& m : mentions) {
    if (!taken.Overlaps(m.offset, m.length) && !mentions_kept.Overlaps(m.offset, m.length)) {
      mentions_kept.Add(m.offset, m.length);
      specific.push_back(m);
      specific.back().commented = depth < kMaxEmbeddingDepth &&
                                  CommentedOut(path, text, m.offset, m.length, depth, &comments);
    }
  }
  for (const rules::RawMatch& m : specific) {
    hits->push_back(Hit{m.rule,
                        m.offset,
                        m.length,
                        m.target,
                        m.kind,
                        m.commented,
                        m.templated,
                        std::string(m.directive),
                        std::string(text.substr(m.offset, m.length)),
                        {},
                        m.escaped,
                        m.time_read});
  }
  for (Hit& h : inner_hits) hits->push_back(std::move(h));
}

// A comment is commented-out config when its body is data or reads as a directive. Data: its
// first word is the host or an address (a hosts entry, a list item: `# 10.0.0.1 ntp1`,
// `# - "ntp1.corp"`). A directive: the body, read as a document by itself, holds a fact that a
// rule takes for a time source -- read with the file's own syntax (`// ntpServer := "H"` in Go,
// `# ntpdate -u H` in a script) or, for the comments of files no daemon's reader reads, as a
// time daemon's config (`server H iburst`, `NTP=H`). A sentence that names the host ("Uses H as
// the time server", a Go doc comment) is neither: a mention.
bool Analyzer::CommentedOut(std::string_view path, std::string_view text, size_t offset,
                            size_t length, int depth, CommentScan* scan) const {
  std::optional<CommentBody> body = FindCommentBody(text, offset, path, scan);
  if (!body || offset < body->offset || offset + length > body->offset + body->text.size())
    return false;
  size_t at = offset - body->offset;
  std::string_view b = body->text;
  size_t first = b.find_first_not_of(" \t-\"'[{(");
  if (first == std::string_view::npos) return false;
  size_t end = b.find_first_of(" \t,;\"')]}", first);
  std::string_view word =
      b.substr(first, end == std::string_view::npos ? b.size() - first : end - first);
  bool address = !word.empty() &&
                 word.find_first_not_of("0123456789abcdefABCDEF.:/%") == std::string_view::npos &&
                 word.find_first_of("0123456789") != std::string_view::npos &&
                 word.find_first_of(".:") != std::string_view::npos;
  if (at == first || address) return true;
  // The file's own syntaxes: where a syntax binds names to values, any binding of the host is
  // config; a directive-line syntax reads any line as a directive, so there only a fact a rule
  // takes counts (below).
  std::vector<char> applies;
  SelectRules(selector_, ClassifyPath(path), b, &applies);
  std::set<std::string_view> read;
  for (size_t i : directive_rules_) {
    std::string_view name = selector_.rules()[i]->syntax;
    const syntax::SyntaxInfo* info = syntax::FindSyntax(name);
    if (!applies[i] || !info->binds_values || b.size() > max_reader_bytes_ ||
        !read.insert(name).second)
      continue;
    syntax::Document doc;
    syntax::ReadDocument(*info, path, b, &doc);
    for (const syntax::Fact& f : doc.facts)
      for (const syntax::Token& t : f.args) {
        size_t len = t.verbatim() ? t.text.size() : t.source_length;
        if (t.offset <= at && at < t.offset + std::max<size_t>(len, 1)) return true;
      }
  }
  static constexpr std::string_view kReadAs[] = {"chrony.conf", "ntp.conf",
                                                 "etc/systemd/timesyncd.conf"};
  std::vector<std::string_view> paths = {path};
  paths.insert(paths.end(), std::begin(kReadAs), std::end(kReadAs));
  for (std::string_view as : paths) {
    std::vector<Hit> hits;
    std::vector<std::pair<size_t, std::string>> diagnostics;
    Collect(as, b, depth + 1, &hits, &diagnostics);
    for (const Hit& h : hits)
      if (h.rule->type == rules::MatchType::kDirective && Overlaps(h.offset, h.length, at, length))
        return true;
  }
  return false;
}

std::vector<Finding> Analyzer::Analyze(const Location& location, std::string_view path,
                                       std::string_view text, std::vector<Notice>* notices,
                                       std::vector<IncludeRef>* includes,
                                       const std::vector<std::string>* forced_syntaxes,
                                       const Screening* screening) const {
  std::vector<Finding> findings;
  if (targets_.empty()) return findings;
  Screening own;
  if (!screening) own = Screen(path, text, forced_syntaxes);
  const Screening& screened = screening ? *screening : own;
  if (!screened.targets && !(includes && (screened.includes || pull_ins_))) return findings;
  std::vector<Hit> hits;
  std::vector<std::pair<size_t, std::string>> diagnostics, unread;
  Collect(path, text, 0, &hits, &diagnostics, includes, forced_syntaxes, !screened.targets,
          screened.applies.empty() ? nullptr : &screened.applies, &unread);
  if (hits.empty() && diagnostics.empty() && unread.empty()) return findings;

  LineIndex index(text);
  for (auto& [offset, message] : unread) {
    uint32_t line = offset ? index.LineOf(offset) : 0;
    uint32_t col = offset ? index.ColumnOf(line, offset) : 0;
    std::string where = location.Render();
    if (line) where += ":" + std::to_string(line) + ":" + std::to_string(col);
    notices->push_back(Notice{Notice::Level::kWarning, "limit-reader-size", location, line, col,
                              where + ": " + message});
  }
  // Two readers (or two conventions of one) may trip over the same bytes: say it once.
  std::sort(diagnostics.begin(), diagnostics.end());
  diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end()), diagnostics.end());
  for (auto& [offset, message] : diagnostics) {
    uint32_t line = index.LineOf(offset);
    uint32_t col = index.ColumnOf(line, offset);
    notices->push_back(Notice{Notice::Level::kWarning, "malformed-document", location, line, col,
                              location.Render() + ":" + std::to_string(line) + ":" +
                                  std::to_string(col) + ": " + message});
  }
  if (hits.empty()) return findings;
  std::vector<uint32_t> hit_lines;
  for (const Hit& m : hits) hit_lines.push_back(index.LineOf(m.offset));
  std::unordered_map<uint32_t, std::string> hashes = PrimaryLocationLineHashes(text, hit_lines);
  PathClass pc = ClassifyPath(path);
  bool backup = pc.backup_copy;
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return std::tie(a.offset, a.rule->id) < std::tie(b.offset, b.rule->id);
  });
  // One finding a hit: grown by doubling, a file of many mentions briefly held 3 times them.
  findings.reserve(hits.size());
  for (const Hit& m : hits) {
    Finding f;
    const rules::Rule& rule = *m.rule;
    f.rule_id = rule.id;
    f.location = location;
    uint32_t line = index.LineOf(m.offset);
    uint32_t end_line = index.LineOf(m.offset + m.length);
    f.span = Span{line,     index.ColumnOf(line, m.offset),
                  end_line, index.ColumnOf(end_line, m.offset + m.length),
                  m.offset, m.length};
    f.matched = m.matched;
    f.target = targets_.targets()[m.target].spelling;
    f.match_kind = std::string(MatchKindName(m.kind));
    f.line_text = std::string(index.LineExcerpt(line, m.offset, m.length));
    f.directive = m.directive;
    if (auto h = hashes.find(line); h != hashes.end()) f.line_hash = h->second;
    if (!m.embedded_path.empty()) f.properties.emplace_back("embeddedPath", m.embedded_path);
    if (m.escaped) f.properties.emplace_back("spelling", "escaped");
    f.activity = backup        ? Activity::kBackupCopy
                 : m.commented ? Activity::kCommented
                 : m.templated ? Activity::kTemplate
                 // A time source in a template file (chronyd.sh.j2) is what the template renders.
                 : pc.template_name && rule.activity == Activity::kActive ? Activity::kTemplate
                                                                          : rule.activity;
    f.severity = rule.severity;
    if (f.activity == Activity::kBackupCopy || f.activity == Activity::kCommented)
      f.severity = Severity::kNote;
    if (m.kind == host::MatchKind::kShortName)
      f.severity = std::min(f.severity, Severity::kWarning);
    f.message = rules::RenderMessage(rule, f.matched, f.target, f.directive, f.activity);
    if (m.kind == host::MatchKind::kShortName)
      f.message += " (short name: possible match through resolver search domains)";
    if (m.escaped)
      f.message += " (escaped spelling, as a regular expression or Markdown writes it)";
    if (m.time_read != syntax::Fact::kNoRead && m.time_read < text.size()) {
      // The line where the variable's value reaches a time source (a RUN step, a config write).
      uint32_t read_line = index.LineOf(m.time_read);
      uint32_t read_col = index.ColumnOf(read_line, m.time_read);
      f.related.push_back(RelatedLocation{
          location, Span{read_line, read_col, read_line, read_col, m.time_read, 0},
          "`" + m.directive +
              "` reaches a time source here: " + std::string(Trim(index.LineExcerpt(read_line)))});
    }
    findings.push_back(std::move(f));
  }
  return findings;
}

}  // namespace ntpsweep::scan
