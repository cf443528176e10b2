#include "rules/evaluate.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "core/glob.h"
#include "syntax/text.h"

namespace ntpsweep::rules {
namespace {

bool NameEquals(std::string_view a, std::string_view b, bool ignore_case) {
  if (a.size() != b.size()) return false;
  return ignore_case ? strncasecmp(a.data(), b.data(), a.size()) == 0 : a == b;
}

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// The value of flag `flag` in args[i] (and maybe args[i + 1]); advances i past what it used.
bool FlagValue(const std::vector<syntax::Token>& args, size_t* i, std::string_view flag,
               syntax::Token* out) {
  const syntax::Token& a = args[*i];
  std::string_view t = a.text;
  if (t == flag) {
    if (*i + 1 >= args.size()) return false;
    *out = args[++*i];
    return true;
  }
  bool one_letter = flag.size() == 2 && flag[0] == '-';
  if (t.size() > flag.size() && t.substr(0, flag.size()) == flag &&
      (t[flag.size()] == '=' || t[flag.size()] == ':' || one_letter)) {
    size_t skip = flag.size() + (t[flag.size()] == '=' || t[flag.size()] == ':' ? 1 : 0);
    if (one_letter && (t[flag.size()] == '=' || t[flag.size()] == ':')) skip = flag.size();
    std::string_view v = t.substr(skip);
    // "/manualpeerlist:\"a,0x8 b\"": quotes around the value are not part of it.
    size_t lead = 0;
    while (lead < v.size() && (v[lead] == '"' || v[lead] == '\'')) ++lead;
    while (!v.empty() && (v.back() == '"' || v.back() == '\'')) v.remove_suffix(1);
    if (lead >= v.size()) return false;
    *out = syntax::Token{v.substr(lead), a.verbatim() ? a.offset + skip + lead : a.offset,
                         a.source_length};
    out->expression = a.expression;
    return true;
  }
  return false;
}

// An entry "NAME:FLAG" of `list` for the fact named NAME.
bool Qualified(const std::vector<std::string>& list, std::string_view name, std::string_view flag) {
  for (const std::string& e : list)
    if (e.size() == name.size() + 1 + flag.size() && e.starts_with(name) && e[name.size()] == ':' &&
        std::string_view(e).substr(name.size() + 1) == flag)
      return true;
  return false;
}

}  // namespace

bool NamesFact(const Rule& rule, const syntax::Fact& fact) {
  if (!rule.section.empty() && fact.section != rule.section) return false;
  if (rule.directives.empty() && rule.key_paths.empty() && !rule.key_pattern) return true;
  if (rule.key_pattern && RE2::PartialMatch(fact.name, rule.key_pattern->re())) return true;
  for (const std::string& d : rule.directives)
    if (NameEquals(fact.name, d, rule.ignore_case)) return true;
  for (const std::string& g : rule.key_paths)
    if (KeyPathMatch(g, fact.name)) return true;
  return false;
}

// The argument tokens of `fact` that hold hosts under `rule`.
std::vector<syntax::Token> HostTokens(const Rule& rule, const syntax::Fact& fact) {
  std::vector<syntax::Token> out;
  const auto& args = fact.args;
  if (!rule.flags.empty()) {
    for (size_t i = 0; i < args.size(); ++i) {
      syntax::Token v;
      for (const std::string& f : rule.flags)
        if (FlagValue(args, &i, f, &v)) {
          out.push_back(v);
          break;
        }
    }
    return out;
  }
  size_t i = std::min(rule.skip_args, args.size());
  if (rule.host_args == HostArgs::kAfter) {
    while (i < args.size() && args[i].text != rule.after_word) ++i;
    ++i;
  }
  for (; i < args.size(); ++i) {
    std::string_view t = args[i].text;
    // "ntpdate:-p": an entry for one command wins over the entries for all of them.
    if (Qualified(rule.option_args, fact.name, t)) {
      ++i;
      continue;
    }
    if (Qualified(rule.skip_flags, fact.name, t)) continue;
    if (Contains(rule.skip_flags, t)) continue;
    if (Contains(rule.option_args, t)) {
      ++i;  // the flag's own argument is a file, user or number, never a host
      continue;
    }
    out.push_back(args[i]);
    if (rule.host_args == HostArgs::kFirst) break;
  }
  return out;
}

namespace {

void SplitToken(const syntax::Token& token, std::string_view seps, std::vector<syntax::Token>* out) {
  std::string_view t = token.text;
  size_t start = 0;
  for (size_t i = 0; i <= t.size(); ++i) {
    if (i < t.size() && seps.find(t[i]) == std::string_view::npos) continue;
    if (i > start) {
      // Pieces of a decoded value keep the whole value's span: their bytes are not in the file.
      size_t offset = token.verbatim() ? token.offset + start : token.offset;
      out->push_back(syntax::Token{t.substr(start, i - start), offset, token.source_length});
      out->back().expression = token.expression;
    }
    start = i + 1;
  }
}

// `blocks`: the text's PowerShell block comments, found on the first call that needs them.
bool LineIsComment(const Rule& rule, std::string_view text, size_t offset,
                   std::optional<syntax::BlockComments>* blocks, LineStartCursor* lines) {
  if (LineStartsCommented(rule, text, offset, lines)) return true;
  // '#' comments in PowerShell also come as <# ... #> blocks.
  if (rule.comment_chars.find('#') == std::string_view::npos) return false;
  return (*blocks ? **blocks : blocks->emplace(text)).Contains(offset);
}

}  // namespace

bool LineStartsCommented(const Rule& rule, std::string_view text, size_t offset,
                         LineStartCursor* lines) {
  size_t bol;
  if (lines) {
    bol = (*lines)(offset);
  } else {
    bol = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    bol = (bol == std::string_view::npos || offset == 0) ? 0 : bol + 1;
  }
  while (bol < offset && (text[bol] == ' ' || text[bol] == '\t')) ++bol;
  std::string_view line = text.substr(std::min(bol, text.size()));
  if (!line.empty() && rule.comment_chars.find(line.front()) != std::string_view::npos) return true;
  return std::any_of(rule.comment_prefixes.begin(), rule.comment_prefixes.end(),
                     [line](const std::string& p) { return line.starts_with(p); });
}

const Regex& RegexGate(const Rule& rule) {
  return rule.within ? *rule.within : *rule.regex;
}

std::string_view CrlfAsBlanks(std::string_view text, std::string* storage) {
  size_t at = text.find("\r\n");
  if (at == std::string_view::npos) return text;
  storage->assign(text);
  for (; at != std::string::npos; at = storage->find("\r\n", at + 2)) (*storage)[at] = ' ';
  return *storage;
}

bool SpellsCarriageReturn(const Rule& rule) {
  auto spells = [](const std::shared_ptr<const Regex>& re) {
    return re && re->pattern().find("\\r") != std::string::npos;
  };
  return spells(rule.regex) || spells(rule.within);
}

std::vector<ByteRange> RegexRegions(const Rule& rule, std::string_view text) {
  if (!rule.within) return {{0, text.size()}};
  const RE2& re = rule.within->re();
  // A built-in pattern is checked by its tests, not at load: one without the group finds nothing.
  auto body = re.NamedCapturingGroups().find("body");
  if (body == re.NamedCapturingGroups().end()) return {};
  int group = body->second;
  std::vector<re2::StringPiece> sub(group + 1);
  std::vector<ByteRange> out;
  size_t pos = 0;
  while (pos <= text.size() &&
         re.Match(text, pos, text.size(), RE2::UNANCHORED, sub.data(), group + 1)) {
    pos = static_cast<size_t>(sub[0].data() - text.data()) + std::max<size_t>(sub[0].size(), 1);
    if (sub[group].data() != nullptr && !sub[group].empty())
      out.push_back({static_cast<size_t>(sub[group].data() - text.data()), sub[group].size()});
  }
  return out;
}

ByteRange ExpansionDefault(std::string_view t) {
  if (!t.starts_with("${") || !t.ends_with("}")) return {};
  size_t i = 2;
  while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '_')) ++i;
  if (i == 2) return {};
  if (i < t.size() && t[i] == ':') ++i;
  if (i >= t.size() || (t[i] != '-' && t[i] != '=')) return {};
  std::string_view value = t.substr(i + 1, t.size() - i - 2);
  if (value.empty() || value.find_first_of("${}") != std::string_view::npos) return {};
  return {i + 1, value.size()};
}

ByteRange HostPart(std::string_view token, bool urls) {
  size_t begin = 0, end = token.size();
  if (urls) {
    size_t scheme = token.find("://");
    if (scheme != std::string_view::npos) {
      begin = scheme + 3;
      size_t stop = token.find_first_of("/?#", begin);
      if (stop != std::string_view::npos) end = stop;
      size_t at = token.substr(begin, end - begin).rfind('@');
      if (at != std::string_view::npos) begin += at + 1;
    }
  }
  std::string_view h = token.substr(begin, end - begin);
  if (!h.empty() && h.front() == '[') {
    size_t close = h.find(']');
    if (close != std::string_view::npos) return {begin + 1, close - 1};
  }
  // host:port has exactly one colon; more colons mean an IPv6 address.
  size_t colon = h.find(':');
  if (colon != std::string_view::npos && h.find(':', colon + 1) == std::string_view::npos)
    return {begin, colon};
  size_t pct = h.find('%');
  if (pct != std::string_view::npos) return {begin, pct};
  return {begin, h.size()};
}

void MatchDirectives(const std::vector<const Rule*>& rules, const std::vector<syntax::Fact>& facts,
                     const host::TargetSet& targets, std::vector<RawMatch>* out,
                     std::vector<ByteRange>* host_ranges) {
  std::vector<syntax::Token> pieces;
  for (const syntax::Fact& fact : facts) {
    for (const Rule* rule : rules) {
      if (!NamesFact(*rule, fact)) continue;
      pieces.clear();
      for (const syntax::Token& t : HostTokens(*rule, fact)) SplitToken(t, rule->split, &pieces);
      for (syntax::Token piece : pieces) {
        // ${NTP:-H}: H is what is used where NTP is unset.
        if (ByteRange d = ExpansionDefault(piece.text); d.length) {
          piece.text = piece.text.substr(d.offset, d.length);
          if (piece.verbatim()) piece.offset += d.offset;
          piece.expression = false;
        }
        ByteRange part = HostPart(piece.text, rule->urls);
        std::string_view token = piece.text.substr(part.offset, part.length);
        // A decoded value (YAML escapes) does not sit verbatim in the file: report its whole span.
        if (!piece.verbatim()) part = {0, piece.source_length};
        // A daemon's reading of a literal host wins over free text (10.0.0.010 is 10.0.0.8);
        // an expression is no reading of what it holds (${NTP:-ntp1.example.com}).
        if (!piece.expression) host_ranges->push_back({piece.offset + part.offset, part.length});
        if (!rule->exclude_hosts.empty() &&
            rule->exclude_hosts.MatchToken(token, host::Context::kHostValue))
          continue;
        auto m = targets.MatchToken(token, host::Context::kHostValue);
        if (!m) continue;
        out->push_back(RawMatch{rule, piece.offset + part.offset, part.length, m->target, m->kind,
                                fact.commented, fact.templated, fact.name, false, fact.time_read});
      }
    }
  }
}

void MatchRegex(const Rule& rule, std::string_view text, const host::TargetSet& targets,
                std::vector<RawMatch>* out) {
  const RE2& re = rule.regex->re();
  auto host = re.NamedCapturingGroups().find("host");
  if (host == re.NamedCapturingGroups().end()) return;  // a built-in pattern that does not compile
  int group = host->second;
  std::vector<re2::StringPiece> sub(group + 1);
  std::optional<syntax::BlockComments> blocks;
  LineStartCursor lines(text);
  for (const ByteRange& region : RegexRegions(rule, text)) {
    const size_t end = region.offset + region.length;
    size_t pos = region.offset;
    while (pos <= end && re.Match(text, pos, end, RE2::UNANCHORED, sub.data(), group + 1)) {
      re2::StringPiece whole = sub[0], host = sub[group];
      size_t next =
          static_cast<size_t>(whole.data() - text.data()) + std::max<size_t>(whole.size(), 1);
      std::vector<syntax::Token> pieces;
      if (host.data() != nullptr && !host.empty()) {
        syntax::Token whole{std::string_view(host.data(), host.size()),
                            static_cast<size_t>(host.data() - text.data())};
        if (rule.split.empty())
          pieces.push_back(whole);
        else
          SplitToken(whole, rule.split, &pieces);
      }
      for (const syntax::Token& piece : pieces) {
        std::string_view token = piece.text;
        size_t token_offset = piece.offset;
        ByteRange part = HostPart(token, false);
        token = token.substr(part.offset, part.length);
        std::string unescaped;
        if (rule.unescape == "regex") {  // 172\.16\.0\.1 is how a regex writes 172.16.0.1
          for (size_t i = 0; i < token.size(); ++i)
            if (!(token[i] == '\\' && i + 1 < token.size() && token[i + 1] == '.'))
              unescaped += token[i];
          token = unescaped;
        }
        auto excluded = !rule.exclude_hosts.empty() &&
                        rule.exclude_hosts.MatchToken(token, host::Context::kHostValue);
        auto m = excluded ? std::nullopt : targets.MatchToken(token, host::Context::kHostValue);
        if (m) {
          bool commented = LineIsComment(rule, text, token_offset, &blocks, &lines);
          out->push_back(RawMatch{&rule,
                                  token_offset + part.offset,
                                  part.length,
                                  m->target,
                                  m->kind,
                                  commented,
                                  false,
                                  {}});
        }
      }
      pos = next;
    }
  }
}

void MatchText(const Rule& rule, std::string_view text, const host::TargetSet& targets,
               std::vector<RawMatch>* out) {
  for (const host::TextMatch& m : targets.FindInText(text)) {
    if (!rule.exclude_hosts.empty() &&
        rule.exclude_hosts.MatchToken(text.substr(m.offset, m.length), host::Context::kFreeText))
      continue;
    out->push_back(
        RawMatch{&rule, m.offset, m.length, m.target, m.kind, false, false, {}, m.escaped});
  }
}

}  // namespace ntpsweep::rules
