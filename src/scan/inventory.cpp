#include "scan/inventory.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>

#include <re2/set.h>

#include "core/line_index.h"
#include "core/offset_map.h"
#include "core/strings.h"
#include "host/address_text.h"
#include "host/target.h"
#include "rules/evaluate.h"
#include "scan/analyze.h"
#include "syntax/syntax.h"
#include "syntax/template.h"

namespace ntpsweep::scan {
namespace {

constexpr int kMaxDepth = 4;  // as the analyzer: documents inside documents inside ...

struct Raw {
  const rules::Rule* rule = nullptr;
  size_t offset = 0, length = 0;
  std::string host;
  bool expression = false;
  bool commented = false;
  bool templated = false;
  std::string directive;
  std::string embedded_path;
  std::vector<std::string> variables;
  std::string syntax;
};

struct RawInstall {
  size_t offset = 0;
  std::string source, destination;
};

// Spans, each at least one byte wide (a zero-length source still holds its place); asks whether
// any overlaps a span in O(log n): sorted by start, with the furthest end reached up to each.
class SpanIndex {
 public:
  void Add(size_t offset, size_t length) {
    spans_.emplace_back(offset, offset + std::max<size_t>(length, 1));
  }
  void Seal() {
    std::sort(spans_.begin(), spans_.end());
    for (size_t i = 1; i < spans_.size(); ++i)
      spans_[i].second = std::max(spans_[i].second, spans_[i - 1].second);
  }
  bool Overlaps(size_t offset, size_t length) const {
    const size_t end = offset + std::max<size_t>(length, 1);
    // The spans starting before `end`: one of them overlaps when the furthest reaches past offset.
    auto after = std::lower_bound(spans_.begin(), spans_.end(), end,
                                  [](const auto& s, size_t at) { return s.first < at; });
    return after != spans_.begin() && std::prev(after)->second > offset;
  }

 private:
  std::vector<std::pair<size_t, size_t>> spans_;  // start, and the furthest end up to it
};

bool IsOptionWord(std::string_view w) {
  static const std::set<std::string, std::less<>> kWords = {
      "iburst", "burst", "prefer", "nts", "xleave", "true", "false", "yes", "no", "on", "off",
      "none", "null", "nil", "default", "auto", "noselect", "minpoll", "maxpoll", "key",
      "version", "trust", "offline", "online", "minstratum", "maxsources", "polltarget",
      "port", "presend", "minsamples", "maxsamples", "filter", "copy", "require", "source",
      "ignore", "listen", "drop", "all", "kod", "limited", "nomodify", "notrap", "nopeer",
      "noquery", "enabled", "disabled", "chrony", "ntp", "ntpd", "ntpdate", "systemd-timesyncd",
      "timesyncd", "openntpd", "string", "boolean", "list", "localhost", "mask"};
  std::string lower(w);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return kWords.count(lower) > 0;
}

enum class Shape { kNone, kAddress, kName, kShortName, kPlaceholder };

Shape ShapeOf(std::string_view h) {
  if (h.empty() || h.size() > 253) return Shape::kNone;
  if (host::ParseIpv4DottedQuad(h)) return Shape::kAddress;
  if (h.find(':') != std::string_view::npos) {
    std::string_view v = h;
    if (size_t pct = v.find('%'); pct != std::string_view::npos) v = v.substr(0, pct);
    return host::ParseIpv6(v) ? Shape::kAddress : Shape::kNone;
  }
  if (h.find_first_of("{}$<>%`\x1a") != std::string_view::npos) {
    // "0.{distro}.pool.ntp.org": a placeholder filled in elsewhere.
    return h.find('.') != std::string_view::npos || h.front() == '{' || h.front() == '$' ||
                   h.front() == '<'
               ? Shape::kPlaceholder
               : Shape::kNone;
  }
  std::string_view n = h;
  if (n.back() == '.') n.remove_suffix(1);
  size_t labels = 1;
  bool letter = false, last_letter = false;
  size_t label_len = 0;
  for (char c : n) {
    if (c == '.') {
      if (label_len == 0) return Shape::kNone;
      ++labels;
      label_len = 0;
      last_letter = false;
      continue;
    }
    bool alpha = std::isalpha(static_cast<unsigned char>(c));
    if (!alpha && !std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return Shape::kNone;
    letter = letter || alpha;
    last_letter = last_letter || alpha;
    ++label_len;
  }
  if (label_len == 0 || !letter || n.front() == '-' || n.front() == '_') return Shape::kNone;
  if (labels == 1) return Shape::kShortName;
  return last_letter ? Shape::kName : Shape::kNone;
}

bool ServerIsh(const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    std::string l(n);
    std::transform(l.begin(), l.end(), l.begin(), ::tolower);
    for (const char* w : {"server", "pool", "peer", "upstream", "timesrv", "source"})
      if (l.find(w) != std::string::npos && l.find("sourcedir") == std::string::npos) return true;
  }
  return false;
}

// "0{{ '.' + area }}.pool.ntp.org" assembles a host around an expression; "{{ servers_map[x] }}"
// only passes a list along.
bool HasLiteralHostText(std::string_view token) {
  std::string rest(token);
  for (auto it = syntax::FindTemplateSpans(token, true); !it.empty(); it.pop_back())
    for (size_t i = it.back().begin; i < it.back().end; ++i) rest[i] = ' ';
  for (size_t i = 0; i + 1 < rest.size(); ++i)
    if (rest[i] == '.' && std::isalpha(static_cast<unsigned char>(rest[i + 1]))) return true;
  return false;
}

// Directives that name a group, a broadcast address or a local address, never an upstream.
bool NotASource(std::string_view directive) {
  for (const char* d : {"broadcast", "broadcastclient", "multicastclient", "manycastserver",
                        "manycastclient", "interface", "listen", "bindaddress", "bindcmdaddress",
                        "bindacqaddress"})
    if (IEquals(directive, d)) return true;
  return false;
}

// Access-control directives: an address there is a client network; a name is a server's.
bool AccessControl(std::string_view directive) {
  for (const char* d : {"restrict", "allow", "deny", "cmdallow", "cmddeny"})
    if (IEquals(directive, d)) return true;
  return false;
}

// Whether a host token of `rule` in `fact` is a time source for the inventory.
bool Keep(const rules::Rule& rule, const syntax::Fact& fact, const syntax::Token& token,
          std::string_view host, bool* expression) {
  *expression = token.expression;
  if (NotASource(fact.name)) return false;
  bool acl = AccessControl(fact.name);
  Shape shape = token.expression ? Shape::kPlaceholder : ShapeOf(host);
  if (shape == Shape::kPlaceholder) {
    *expression = true;
    std::vector<std::string> names(fact.variables.begin(), fact.variables.end());
    for (std::string& n : syntax::ExpressionNames(host)) names.push_back(std::move(n));
    if (rule.variable && !HasLiteralHostText(host)) return false;  // plumbing, not a source
    // "restrict {{ item }}" renders a server's ACL only when it loops over servers.
    if (acl && !ServerIsh(names)) return false;
    return true;
  }
  if (shape == Shape::kNone || IsOptionWord(host)) return false;
  if (!rule.exclude_hosts.empty() && rule.exclude_hosts.MatchToken(host, host::Context::kHostValue))
    return false;
  if (shape == Shape::kShortName && (fact.commented || rule.precision != "very-high")) return false;
  if (acl && shape != Shape::kName) return false;
  return true;
}

}  // namespace

struct SourceCollector::Ctx {
  explicit Ctx(const rules::RuleSelector& s) : selector(s) {}
  const rules::RuleSelector& selector;
  std::vector<size_t> directive_rules, regex_rules;  // indexes into selector.rules()
  // Per regex_rules entry: its pattern spells '\r' (rules::SpellsCarriageReturn).
  std::vector<char> spells_cr;
  size_t max_reader_bytes = static_cast<size_t>(-1);  // SetMaxReaderBytes

  // The patterns of the regex rules an entry selects (`wanted`, one flag per regex_rules entry)
  // in one set: one pass tells which can match at all. A set of only those rules, made by the
  // first entry that selects them and kept: a set of every rule (code-ntp-client-call's 20-line
  // window among them) took 27 instructions a byte on entries that select two. Null where it did
  // not compile: each rule is run. Past kMaxSets selections, the set of every rule stands in
  // (a pack of many regex rules selects in many ways: compilations and memory stay bounded).
  static constexpr size_t kMaxSets = 64;
  struct WantedSet {
    std::unique_ptr<RE2::Set> set;  // null: did not compile
    std::vector<size_t> rule_of;    // set index -> index into regex_rules
  };
  const WantedSet& RegexSet(const std::vector<char>& wanted) const {
    std::lock_guard lock(regex_sets_mu_);
    std::string key(wanted.begin(), wanted.end());
    if (regex_sets_.size() >= kMaxSets && !regex_sets_.count(key)) key.assign(wanted.size(), 1);
    std::unique_ptr<WantedSet>& slot = regex_sets_[key];
    if (slot) return *slot;
    slot = std::make_unique<WantedSet>();
    RE2::Options options;  // as the loader compiles each rule's regex (rules/loader.cpp)
    options.set_log_errors(false);
    auto set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    bool ok = true;
    for (size_t k = 0; k < regex_rules.size(); ++k) {
      if (!key[k]) continue;
      ok = ok &&
           set->Add(rules::RegexGate(*selector.rules()[regex_rules[k]]).pattern(), nullptr) >= 0;
      slot->rule_of.push_back(k);
    }
    if (ok && set->Compile()) slot->set = std::move(set);
    return *slot;
  }

 private:
  mutable std::mutex regex_sets_mu_;
  mutable std::map<std::string, std::unique_ptr<WantedSet>> regex_sets_;
};

namespace {

// Which of the regex rules `applies` selects (indexes into ctx.regex_rules) can match `text`.
std::vector<char> PossibleRegexRules(const SourceCollector::Ctx& ctx, std::string_view text,
                                     const std::vector<char>& applies) {
  std::vector<char> wanted(ctx.regex_rules.size(), 0);
  bool any = false;
  for (size_t k = 0; k < ctx.regex_rules.size(); ++k) {
    wanted[k] = applies[ctx.regex_rules[k]];
    any = any || wanted[k];
  }
  std::vector<char> possible(ctx.regex_rules.size(), 0);
  if (!any) return possible;
  std::vector<int> matched;
  RE2::Set::ErrorInfo error{RE2::Set::kNoError};
  const SourceCollector::Ctx::WantedSet& regex_set = ctx.RegexSet(wanted);
  if (!regex_set.set ||
      (!regex_set.set->Match(text, &matched, &error) && error.kind != RE2::Set::kNoError))
    return wanted;  // no set, or its DFA ran out of memory on this text: every selected rule is run
  for (int m : matched) {
    size_t k = regex_set.rule_of[static_cast<size_t>(m)];
    possible[k] = wanted[k];
  }
  return possible;
}

void Collect(const SourceCollector::Ctx& ctx, std::string_view path, std::string_view text,
             int depth, std::vector<Raw>* out, std::vector<RawInstall>* installs,
             const std::vector<char>* selection = nullptr, bool with_variables = false,
             bool installs_only = false,
             std::vector<std::pair<std::string, size_t>>* unread = nullptr) {
  PathClass pc = ClassifyPath(path);
  std::vector<char> selected;
  if (!selection) SelectRules(ctx.selector, pc, text, &selected);
  const std::vector<char>& applies = selection ? *selection : selected;
  std::map<std::string_view, std::vector<const rules::Rule*>> by_syntax;
  for (size_t i : ctx.directive_rules) {
    const rules::Rule* rule = ctx.selector.rules()[i];
    if (!applies[i]) continue;
    // Installs come only from their syntaxes' readers and from documents embedded in others.
    if (installs_only) {
      const syntax::SyntaxInfo* info = syntax::FindSyntax(rule->syntax);
      if (info->install_words.empty() && !info->embeds) continue;
    }
    by_syntax[rule->syntax].push_back(rule);
  }
  if (text.size() > ctx.max_reader_bytes) {  // as the Analyzer: no reader, the text rules still
    if (unread)
      for (const auto& group : by_syntax) unread->emplace_back(group.first, text.size());
    by_syntax.clear();
  }
  std::vector<Raw> mine;
  std::vector<syntax::EmbeddedDocument> embedded;
  for (const auto& [name, group] : by_syntax) {
    syntax::Document doc;
    syntax::ReadDocument(*syntax::FindSyntax(name), path, text, &doc);
    std::vector<syntax::Token> pieces;
    for (const syntax::Fact& fact : doc.facts) {
      if (fact.name == "@install" && fact.args.size() >= 2) {
        installs->push_back({fact.name_offset, std::string(fact.args[0].text), std::string(fact.args[1].text)});
        continue;
      }
      if (installs_only) continue;
      for (const rules::Rule* rule : group) {
        if (!rules::NamesFact(*rule, fact)) continue;
        std::vector<syntax::Token> tokens = rules::HostTokens(*rule, fact);
        if (tokens.empty() && rule->skip_args > 0)
          // "initstepslew <%= $threshold_and_hosts %>": one expression renders them all.
          for (const syntax::Token& t : fact.args)
            if (t.expression) tokens.push_back(t);
        for (const syntax::Token& t : tokens) {
          pieces.clear();
          if (t.expression || rule->split.empty()) {
            pieces.push_back(t);
          } else {
            // Same splitting as the evaluator, keeping offsets of verbatim pieces.
            std::string_view s = t.text;
            size_t start = 0;
            for (size_t i = 0; i <= s.size(); ++i) {
              if (i < s.size() && rule->split.find(s[i]) == std::string::npos) continue;
              if (i > start)
                pieces.push_back(syntax::Token{s.substr(start, i - start),
                                               t.verbatim() ? t.offset + start : t.offset,
                                               t.source_length});
              start = i + 1;
            }
          }
          for (syntax::Token piece : pieces) {
            // ${NTP:-H}: H is the source where NTP is unset (as the evaluator reads it).
            if (rules::ByteRange d = rules::ExpansionDefault(piece.text); d.length) {
              piece.text = piece.text.substr(d.offset, d.length);
              if (piece.verbatim()) piece.offset += d.offset;
              piece.expression = false;
            }
            std::string_view host = piece.text;
            size_t off = piece.offset, len = piece.verbatim() ? host.size() : piece.source_length;
            if (!piece.expression) {
              rules::ByteRange part = rules::HostPart(host, rule->urls);
              host = host.substr(part.offset, part.length);
              if (piece.verbatim()) {
                off += part.offset;
                len = part.length;
              }
            }
            bool expression = false;
            if (!Keep(*rule, fact, piece, host, &expression)) continue;
            Raw r;
            r.rule = rule;
            r.offset = off;
            r.length = len;
            r.host = std::string(host);
            r.expression = expression;
            r.commented = fact.commented;
            r.templated = fact.templated;
            r.directive = std::string(fact.name);
            r.variables.assign(fact.variables.begin(), fact.variables.end());
            r.syntax = std::string(name);
            mine.push_back(std::move(r));
          }
        }
      }
    }
    for (auto& e : doc.embedded) embedded.push_back(std::move(e));
  }
  // Regex rules: every host their pattern captures. Their sources have no variables: where
  // only such sources are wanted, they matter only by beating a fallback rule's source below,
  // or an inner document's (usr/bin/ntpq: 12.7 ms of the rootfs's cross-file stage).
  // Where only installs are wanted, no source is.
  const bool regex_moot =
      installs_only ||
      (with_variables && embedded.empty() &&
       std::none_of(mine.begin(), mine.end(), [](const Raw& r) { return r.rule->fallback; }));
  // Regex rules read a CRLF line's '\r' as a blank, as the scan's (rules::CrlfAsBlanks); a rule
  // that spells '\r' reads the text as written, so its gate is not asked of the blanked text.
  std::string crlf_storage;
  const std::string_view regex_text = regex_moot ? text : rules::CrlfAsBlanks(text, &crlf_storage);
  std::vector<char> possible = regex_moot ? std::vector<char>(ctx.regex_rules.size(), 0)
                                          : PossibleRegexRules(ctx, regex_text, applies);
  if (regex_text.data() != text.data())
    for (size_t k = 0; k < ctx.regex_rules.size(); ++k)
      if (applies[ctx.regex_rules[k]] && ctx.spells_cr[k]) possible[k] = 1;
  for (size_t k = 0; k < ctx.regex_rules.size(); ++k) {
    if (!possible[k]) continue;
    const rules::Rule* rule = ctx.selector.rules()[ctx.regex_rules[k]];
    const std::string_view rule_text = ctx.spells_cr[k] ? text : regex_text;
    const RE2& re = rule->regex->re();
    auto host = re.NamedCapturingGroups().find("host");
    if (host == re.NamedCapturingGroups().end())
      continue;  // a built-in pattern that does not compile
    int group = host->second;
    std::vector<re2::StringPiece> sub(group + 1);
    LineStartCursor lines(rule_text);
    for (const rules::ByteRange& region : rules::RegexRegions(*rule, rule_text)) {
      const size_t end = region.offset + region.length;
      size_t pos = region.offset;
      while (pos <= end && re.Match(rule_text, pos, end, RE2::UNANCHORED, sub.data(), group + 1)) {
        size_t next = static_cast<size_t>(sub[0].data() - rule_text.data()) +
                      std::max<size_t>(sub[0].size(), 1);
        if (sub[group].data() != nullptr) {
          std::string_view whole(sub[group].data(), sub[group].size());
          size_t base = static_cast<size_t>(whole.data() - rule_text.data());
          size_t start = 0;
          for (size_t i = 0; i <= whole.size(); ++i) {
            if (i < whole.size() && rule->split.find(whole[i]) == std::string::npos) continue;
            if (i > start) {
              std::string_view tok = whole.substr(start, i - start);
              rules::ByteRange part = rules::HostPart(tok, false);
              std::string host(tok.substr(part.offset, part.length));
              if (rule->unescape == "regex") std::erase(host, '\\');
              syntax::Fact fact;
              fact.commented = rules::LineStartsCommented(*rule, rule_text, base + start, &lines);
              syntax::Token t{tok, base + start};
              bool expression = false;
              if (Keep(*rule, fact, t, host, &expression)) {
                Raw r;
                r.rule = rule;
                r.offset = base + start + part.offset;
                r.length = part.length;
                r.host = host;
                r.expression = expression;
                r.commented = fact.commented;
                mine.push_back(std::move(r));
              }
            }
            start = i + 1;
          }
        }
        pos = next;
      }
    }
  }
  std::vector<Raw> inner_all;
  if (depth < kMaxDepth) {
    for (const syntax::EmbeddedDocument& e : embedded) {
      std::vector<Raw> inner;
      std::vector<RawInstall> inner_installs;
      Collect(ctx, e.path, e.text, depth + 1, &inner, &inner_installs, nullptr, false,
              installs_only, unread);
      auto map = [&](size_t off) { return OuterOffset(e.line_map, off, e.outer_offset); };
      for (Raw& r : inner) {
        r.offset = map(r.offset);
        if (e.line_map.empty()) r.length = e.outer_length;
        if (r.embedded_path.empty()) r.embedded_path = e.path;
        inner_all.push_back(std::move(r));
      }
      for (RawInstall& i : inner_installs) {
        i.offset = map(i.offset);
        installs->push_back(std::move(i));
      }
    }
  }
  // As in a scan: a fallback rule gives way; one source per span. Indexed, not pairwise: a
  // host list of 100,000 words is 100,000 sources.
  SpanIndex firm;
  for (const Raw& s : mine)
    if (!s.rule->fallback) firm.Add(s.offset, s.length);
  for (const Raw& s : inner_all) firm.Add(s.offset, s.length);
  firm.Seal();
  std::set<std::pair<size_t, size_t>> kept_spans;
  std::set<std::tuple<size_t, size_t, std::string>> spans_hosts;
  for (const Raw& s : *out) spans_hosts.emplace(s.offset, s.length, s.host);
  for (Raw& r : mine) {
    if (r.rule->fallback && firm.Overlaps(r.offset, r.length)) continue;
    if (!kept_spans.emplace(r.offset, r.length).second) continue;
    spans_hosts.emplace(r.offset, r.length, r.host);
    out->push_back(std::move(r));
  }
  for (Raw& r : inner_all)
    if (spans_hosts.emplace(r.offset, r.length, r.host).second) out->push_back(std::move(r));
}

}  // namespace

SourceCollector::SourceCollector(const rules::RuleSet& rules)
    : selector_(rules), ctx_(std::make_unique<Ctx>(selector_)) {
  for (size_t i = 0; i < selector_.rules().size(); ++i) {
    if (selector_.rules()[i]->type == rules::MatchType::kDirective) ctx_->directive_rules.push_back(i);
    else if (selector_.rules()[i]->type == rules::MatchType::kRegex) {
      ctx_->regex_rules.push_back(i);
      ctx_->spells_cr.push_back(rules::SpellsCarriageReturn(*selector_.rules()[i]));
    }
  }
}

SourceCollector::~SourceCollector() = default;

void SourceCollector::SetMaxReaderBytes(size_t bytes) {
  ctx_->max_reader_bytes = bytes;
}

size_t SourceCollector::max_reader_bytes() const {
  return ctx_->max_reader_bytes;
}

EntrySources CollectSources(const rules::RuleSet& rules, const Location& location,
                            std::string_view path, std::string_view text) {
  return SourceCollector(rules).Collect(location, path, text);
}

EntrySources SourceCollector::Collect(const Location& location, std::string_view path,
                                      std::string_view text, const std::vector<char>* selection,
                                      bool with_variables, bool installs_only) const {
  std::vector<Raw> raws;
  std::vector<RawInstall> installs;
  if (selection && selection->size() != selector_.rules().size()) selection = nullptr;
  EntrySources out;
  scan::Collect(*ctx_, path, text, 0, &raws, &installs, selection, with_variables, installs_only,
                &out.unread);
  if (raws.empty() && installs.empty()) return out;
  LineIndex lines(text);
  PathClass pc = ClassifyPath(path);
  bool backup = pc.backup_copy;
  std::sort(raws.begin(), raws.end(), [](const Raw& a, const Raw& b) {
    return std::tie(a.offset, a.length, a.rule->id) < std::tie(b.offset, b.length, b.rule->id);
  });
  for (Raw& r : raws) {
    // Linkage keeps only these, and never their line: a line of 100,000 sources would be
    // 100,000 copies of its 4 KiB excerpt.
    if (with_variables && r.variables.empty()) continue;
    Source s;
    s.host = r.host;
    s.expression = r.expression;
    s.rule_id = r.rule->id;
    s.directive = r.directive;
    s.location = location;
    uint32_t line = lines.LineOf(r.offset);
    uint32_t end_line = lines.LineOf(r.offset + (r.length ? r.length - 1 : 0));
    s.span = Span{line, lines.ColumnOf(line, r.offset), end_line,
                  lines.ColumnOf(end_line, r.offset + r.length), r.offset, r.length};
    if (!with_variables) s.line_text = std::string(lines.LineExcerpt(line, r.offset, r.length));
    s.activity = backup                                                      ? Activity::kBackupCopy
                 : r.commented                                               ? Activity::kCommented
                 : r.templated                                               ? Activity::kTemplate
                 : pc.template_name && r.rule->activity == Activity::kActive ? Activity::kTemplate
                                                                             : r.rule->activity;
    s.embedded_path = r.embedded_path;
    s.variables = std::move(r.variables);
    s.syntax = r.syntax;
    out.sources.push_back(std::move(s));
  }
  for (RawInstall& i : installs) {
    Install in;
    in.location = location;
    uint32_t line = lines.LineOf(i.offset);
    in.span = Span{line, lines.ColumnOf(line, i.offset), line, lines.ColumnOf(line, i.offset), i.offset, 0};
    in.source = std::move(i.source);
    in.destination = std::move(i.destination);
    out.installs.push_back(std::move(in));
  }
  return out;
}

}  // namespace ntpsweep::scan
