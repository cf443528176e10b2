#include "syntax/lines.h"

namespace ntpsweep::syntax {
namespace {

constexpr std::string_view kSpaces = " \t\r\f\v";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

bool IsKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// Reads `KEY=value` (optionally `export KEY=value`) from `body`; false when the line is not one.
bool ReadKeyValue(std::string_view body, size_t base, bool quotes, Fact* fact) {
  size_t i = 0;
  if (body.substr(0, 7) == "export " || body.substr(0, 7) == "export\t") {
    i = 7;
    while (i < body.size() && IsSpace(body[i])) ++i;
  }
  size_t key_start = i;
  while (i < body.size() && IsKeyChar(body[i])) ++i;
  if (i == key_start || i >= body.size() || body[i] != '=') return false;
  fact->name = body.substr(key_start, i - key_start);
  fact->name_offset = base + key_start;
  Tokenize(body.substr(i + 1), base + i + 1, quotes, true, &fact->args);
  return true;
}

// "# Allow NTP client access from local network.": a sentence, not a commented-out directive
// (those keep the directive's lower case); a capital, lower case after it, and three more words.
bool CommentedProse(const std::vector<Token>& tokens) {
  if (tokens.size() < 4) return false;
  std::string_view first = tokens.front().text;
  if (first.size() < 2 || first[0] < 'A' || first[0] > 'Z') return false;
  for (char c : first.substr(1))
    if (c < 'a' || c > 'z') return false;
  return true;
}

}  // namespace

void Tokenize(std::string_view s, size_t base, bool quotes, bool stop_at_hash,
              std::vector<Token>* out) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    if (i >= s.size()) break;
    if (stop_at_hash && s[i] == '#') break;
    if (quotes && (s[i] == '"' || s[i] == '\'')) {
      char q = s[i];
      size_t start = i + 1;
      size_t end = s.find(q, start);
      if (end == std::string_view::npos) end = s.size();
      // A quoted value may itself hold a list ("a b c"): its words are separate arguments.
      Tokenize(s.substr(start, end - start), base + start, false, false, out);
      i = end == s.size() ? end : end + 1;
      continue;
    }
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i]) && !(quotes && (s[i] == '"' || s[i] == '\''))) ++i;
    out->push_back(Token{s.substr(start, i - start), base + start});
  }
}

LineLead ReadLineLead(std::string_view line, std::string_view blanks, std::string_view marks) {
  auto in = [](std::string_view set, char c) { return set.find(c) != std::string_view::npos; };
  LineLead lead;
  size_t& i = lead.body;
  while (i < line.size() && in(blanks, line[i])) ++i;
  if (i < line.size() && in(marks, line[i])) {
    lead.commented = true;
    while (i < line.size() && (in(marks, line[i]) || in(blanks, line[i]))) ++i;
  }
  return lead;
}

std::vector<Fact> ReadLines(std::string_view text, const LineSyntax& syntax) {
  std::vector<Fact> facts;
  ForEachLine(text, [&](std::string_view line, size_t pos) {
    // Commented-out configuration is still read: "#server 10.0.0.1" is a finding too.
    LineLead lead = ReadLineLead(line, kSpaces, syntax.comment_chars);
    if (lead.body >= line.size()) return;
    Fact fact;
    fact.commented = lead.commented;
    fact.line_offset = pos;
    std::string_view body = line.substr(lead.body);
    size_t base = pos + lead.body;
    bool ok = true;
    if (syntax.key_value) {
      ok = ReadKeyValue(body, base, syntax.quotes, &fact);
    } else {
      std::vector<Token> tokens;
      Tokenize(body, base, syntax.quotes, syntax.trailing_comments || lead.commented, &tokens);
      if (tokens.empty() || (lead.commented && CommentedProse(tokens))) {
        ok = false;
      } else {
        fact.name = tokens.front().text;
        fact.name_offset = tokens.front().offset;
        fact.args.assign(tokens.begin() + 1, tokens.end());
      }
    }
    if (ok) facts.push_back(std::move(fact));
  });
  return facts;
}

}  // namespace ntpsweep::syntax
