#include "syntax/shell.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/line_index.h"
#include "core/offset_map.h"
#include "core/strings.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

constexpr size_t npos = std::string_view::npos;

// Decoded text with breakpoints back to the document (as YAML scalars).
struct Piece {
  std::string text;
  OffsetMap map;
  size_t begin = npos, end = 0;
  bool quoted = false;

  void Add(char c, size_t pos) {
    if (map.empty() || OuterOf(text.size() - (text.empty() ? 0 : 1)) + (text.empty() ? 0 : 1) != pos)
      map.emplace_back(text.size(), pos);
    text += c;
    begin = std::min(begin, pos);
    end = std::max(end, pos + 1);
  }
  void AddAll(const Piece& p) {
    for (size_t i = 0; i < p.text.size(); ++i) Add(p.text[i], p.OuterOf(i));
  }
  size_t OuterOf(size_t i) const { return OuterOffset(map, i, begin == npos ? 0 : begin); }
  bool Verbatim(size_t a, size_t b) const { return IsVerbatim(map, a, b, text.size()); }
  bool empty() const { return text.empty() && !quoted; }
};

struct Heredoc {
  std::string delimiter;
  bool strip_tabs = false;
  Piece body;
};

struct Command {
  std::vector<Piece> words;
  std::vector<std::pair<std::string, Piece>> redirects;  // operator, target
  std::vector<Heredoc> heredocs;
  Piece herestring;
  bool pipe_to_next = false;
};

bool IsOpChar(char c) { return c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>'; }

// The words w[first..] appended to `out`, one blank apart (a value of several words).
void AppendWords(const std::vector<Piece>& w, size_t first, Piece* out) {
  for (size_t i = first; i < w.size(); ++i) {
    if (i > first) out->Add(' ', w[i].OuterOf(0));
    out->AddAll(w[i]);
  }
}

// `NAME=` or `NAME+=` as written, right before a bash array's `(`.
bool IsArrayAssignmentStart(const Piece& w) {
  std::string_view s = w.text;
  if (w.quoted || !s.ends_with('=')) return false;
  s.remove_suffix(s.ends_with("+=") ? 2 : 1);
  return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

// `$x =` or `$x = -join`: a parenthesised list that follows is the value ($x = -join ($a, $b)).
bool IsPowerShellAssignment(const std::vector<Piece>& words) {
  if (words.size() < 2 || words.size() > 3 || words[1].quoted || words[1].text != "=" ||
      words[0].quoted || !words[0].text.starts_with('$'))
    return false;
  return words.size() == 2 || (!words[2].quoted && words[2].text == "-join");
}

class Lexer {
 public:
  Lexer(std::string_view t, ShellDialect d) : t_(t), ps_(d == ShellDialect::kPowerShell) {}

  std::vector<Command> Run() {
    Command cmd;
    Piece cur;
    std::vector<std::pair<size_t, size_t>> pending;  // (command index, heredoc index)
    std::string pending_redirect;  // an operator waiting for its target word
    auto flush = [&]() {
      if (cur.empty()) return;
      if (!pending_redirect.empty()) {
        if (pending_redirect == "<<" || pending_redirect == "<<-") {
          Heredoc h;
          h.delimiter = cur.text;
          h.strip_tabs = pending_redirect == "<<-";
          cmd.heredocs.push_back(std::move(h));
          pending.emplace_back(out_.size(), cmd.heredocs.size() - 1);
        } else if (pending_redirect == "<<<") {
          cmd.herestring = cur;
        } else {
          cmd.redirects.emplace_back(pending_redirect, cur);
        }
        pending_redirect.clear();
      } else {
        cmd.words.push_back(cur);
      }
      cur = Piece();
    };
    auto end_command = [&](bool pipe) {
      flush();
      cmd.pipe_to_next = pipe;
      if (!cmd.words.empty() || !cmd.redirects.empty() || !cmd.heredocs.empty()) out_.push_back(std::move(cmd));
      cmd = Command();
    };
    // Inside an array literal (bash NAME=(a b), PowerShell @(a, b) or `$x = ($a, $b)`) blanks and
    // newlines part elements and `)` closes it: bash's elements stay in the assignment's word, one
    // blank apart.
    bool in_array = false, array_gap = false;
    size_t i = 0;
    while (i < t_.size()) {
      char c = t_[i];
      if (in_array && IsOpChar(c) && c != ')') in_array = array_gap = false;  // not a plain list
      if (in_array) {
        if (c == ')') {
          if (ps_) flush();
          in_array = array_gap = false;
          ++i;
          continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
          if (ps_) flush();
          array_gap = true;
          ++i;
          continue;
        }
        if (c == '#' && (ps_ ? cur.empty() : array_gap)) {
          while (i < t_.size() && t_[i] != '\n') ++i;
          continue;
        }
        if (!ps_ && array_gap && !cur.text.empty() && cur.text.back() != '=') cur.Add(' ', i - 1);
        array_gap = false;
      } else if (ps_ ? cur.empty() && (c == '@' ? i + 1 < t_.size() && t_[i + 1] == '('
                                                : c == '(' && IsPowerShellAssignment(cmd.words))
                     : c == '(' && pending_redirect.empty() && IsArrayAssignmentStart(cur)) {
        in_array = true;
        i += c == '@' ? 2 : 1;
        continue;
      }
      if (ps_ && PowerShellToken(&i, &cur)) continue;
      if (c == ' ' || c == '\t' || c == '\r') {
        flush();
        ++i;
      } else if (c == '\\' && i + 1 < t_.size() && t_[i + 1] == '\n') {
        i += 2;
      } else if (c == '\\' && i + 2 < t_.size() && t_[i + 1] == '\r' && t_[i + 2] == '\n') {
        i += 3;
      } else if (c == '\n') {
        end_command(false);
        ++i;
        // Heredoc bodies follow the line that opened them, in order.
        for (auto [ci, hi] : pending)
          if (ci < out_.size() && hi < out_[ci].heredocs.size()) i = ReadBody(i, &out_[ci].heredocs[hi]);
        pending.clear();
      } else if (c == '#' && cur.empty()) {
        while (i < t_.size() && t_[i] != '\n') ++i;
      } else if (IsOpChar(c) && !(c == '&' && !cur.empty() && cur.text.back() == '>')) {
        // A digit right before a redirection is its file descriptor ("2>").
        bool fd = (c == '>' || c == '<') && cur.text.size() == 1 && std::isdigit(static_cast<unsigned char>(cur.text[0])) && !cur.quoted;
        if (fd) cur = Piece();
        flush();
        std::string op(1, c);
        size_t j = i + 1;
        while (j < t_.size() && IsOpChar(t_[j]) && op.size() < 3) {
          std::string next = op + t_[j];
          static const std::set<std::string> kOps = {"&&", "||", ";;", ">>", "<<", "<<-", "<<<",
                                                     "&>", ">&", ">|", "&>>", "<>"};
          if (!kOps.count(next)) break;
          op = next;
          ++j;
        }
        if (op == "<<" && j < t_.size() && t_[j] == '-') {
          op = "<<-";
          ++j;
        }
        i = j;
        if (op == "|" || op == "|&") {
          end_command(true);
        } else if (op == ";" || op == "&&" || op == "||" || op == "&" || op == ";;" || op == "(" ||
                   op == ")") {
          end_command(false);
        } else if (op == ">&" || op == "&>" || op == "<>") {
          pending_redirect = op;
          // "2>&1": the target is a descriptor
          if (i < t_.size() && std::isdigit(static_cast<unsigned char>(t_[i]))) {
            ++i;
            pending_redirect.clear();
          }
        } else {
          pending_redirect = op;
        }
      } else if (c == '\'') {
        cur.quoted = true;
        size_t e = t_.find('\'', i + 1);
        if (e == npos) e = t_.size();
        for (size_t k = i + 1; k < e; ++k) cur.Add(t_[k], k);
        i = e + 1;
      } else if (c == '"') {
        cur.quoted = true;
        size_t k = i + 1;
        while (k < t_.size() && t_[k] != '"') {
          if (t_[k] == '\\' && k + 1 < t_.size() &&
              (t_[k + 1] == '"' || t_[k + 1] == '\\' || t_[k + 1] == '$' || t_[k + 1] == '`')) {
            cur.Add(t_[k + 1], k + 1);
            k += 2;
          } else if (t_[k] == '\\' && k + 1 < t_.size() && t_[k + 1] == '\n') {
            k += 2;
          } else if (t_[k] == '$' && k + 1 < t_.size() && t_[k + 1] == '(') {
            k = CopyBalanced(k, '(', ')', &cur);
          } else {
            cur.Add(t_[k], k);
            ++k;
          }
        }
        i = k + 1;
      } else if (c == '$' && i + 1 < t_.size() && t_[i + 1] == '\'') {
        cur.quoted = true;
        size_t k = i + 2;
        while (k < t_.size() && t_[k] != '\'') {
          if (t_[k] == '\\' && k + 1 < t_.size()) {
            char n = t_[k + 1];
            cur.Add(n == 'n' ? '\n' : n == 't' ? '\t' : n, k + 1);
            k += 2;
          } else {
            cur.Add(t_[k], k);
            ++k;
          }
        }
        i = k + 1;
      } else if (c == '$' && i + 1 < t_.size() && (t_[i + 1] == '(' || t_[i + 1] == '{')) {
        i = CopyBalanced(i, t_[i + 1], t_[i + 1] == '(' ? ')' : '}', &cur);
      } else if (c == '`') {
        size_t e = t_.find('`', i + 1);
        if (e == npos) e = t_.size() - 1;
        for (size_t k = i; k <= e && k < t_.size(); ++k) cur.Add(t_[k], k);
        i = e + 1;
      } else if (c == '\\' && i + 1 < t_.size()) {
        cur.Add(t_[i + 1], i + 1);
        i += 2;
      } else {
        cur.Add(c, i);
        ++i;
      }
    }
    end_command(false);
    return std::move(out_);
  }

 private:
  // PowerShell's own spellings at t_[*i], read into `cur`; false where POSIX lexing applies:
  // backtick continuations and escapes, <# #> comments, @" "@ and @' '@ here-strings,
  // 'single' quotes with '' inside, "double" quotes with backtick escapes, a literal `\`.
  bool PowerShellToken(size_t* i, Piece* cur) {
    size_t k = *i;
    char c = t_[k];
    char n = k + 1 < t_.size() ? t_[k + 1] : '\0';
    if (c == '`') {
      size_t m = k + 1;
      while (m < t_.size() && (t_[m] == ' ' || t_[m] == '\t' || t_[m] == '\r')) ++m;
      if (m >= t_.size() || t_[m] == '\n') {  // a continuation: the command goes on
        *i = m + 1;
        return true;
      }
      cur->Add(n, k + 1);
      *i = k + 2;
      return true;
    }
    if (c == '<' && n == '#' && cur->empty()) {
      size_t e = t_.find("#>", k + 2);
      *i = e == npos ? t_.size() : e + 2;
      return true;
    }
    if (c == '@' && (n == '"' || n == '\'') && cur->empty()) {
      // A here-string opens at the end of a line and closes at a line starting with "@ or '@.
      size_t m = k + 2;
      while (m < t_.size() && (t_[m] == ' ' || t_[m] == '\t' || t_[m] == '\r')) ++m;
      if (m >= t_.size() || t_[m] != '\n') return false;
      cur->quoted = true;
      const char closer[] = {n, '@', '\0'};
      size_t b = m + 1;
      while (b < t_.size()) {
        size_t e = t_.find('\n', b);
        if (e == npos) e = t_.size();
        if (t_.substr(b, e - b).starts_with(closer)) {
          if (!cur->text.empty() && cur->text.back() == '\n') cur->text.pop_back();
          *i = b + 2;
          return true;
        }
        for (size_t x = b; x < e; ++x) cur->Add(t_[x], x);
        if (e < t_.size()) cur->Add('\n', e);
        b = e + 1;
      }
      *i = t_.size();
      return true;
    }
    if (c == '\'') {
      cur->quoted = true;
      for (++k; k < t_.size(); ++k) {
        if (t_[k] == '\'' && k + 1 < t_.size() && t_[k + 1] == '\'') {
          cur->Add('\'', ++k);
        } else if (t_[k] == '\'') {
          break;
        } else {
          cur->Add(t_[k], k);
        }
      }
      *i = k + 1;
      return true;
    }
    if (c == '"') {
      cur->quoted = true;
      for (++k; k < t_.size();) {
        if (t_[k] == '`' && k + 1 < t_.size()) {
          char e = t_[k + 1];
          cur->Add(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e, k + 1);
          k += 2;
        } else if (t_[k] == '"' && k + 1 < t_.size() && t_[k + 1] == '"') {
          cur->Add('"', k + 1);
          k += 2;
        } else if (t_[k] == '"') {
          break;
        } else if (t_[k] == '$' && k + 1 < t_.size() && t_[k + 1] == '(') {
          k = CopyBalanced(k, '(', ')', cur);
        } else {
          cur->Add(t_[k], k);
          ++k;
        }
      }
      *i = k + 1;
      return true;
    }
    if (c == '\\') {  // a path separator, not an escape
      cur->Add(c, k);
      *i = k + 1;
      return true;
    }
    return false;
  }

  // Copies "$( ... )" or "${ ... }" whole (nesting, quotes) into `w`; returns the index after.
  size_t CopyBalanced(size_t i, char open, char close, Piece* w) {
    int depth = 0;
    size_t k = i;
    for (; k < t_.size(); ++k) {
      char c = t_[k];
      w->Add(c, k);
      if (c == '\'' && open == '(') {
        size_t e = t_.find('\'', k + 1);
        if (e == npos) break;
        for (size_t m = k + 1; m <= e; ++m) w->Add(t_[m], m);
        k = e;
        continue;
      }
      if (c == open) ++depth;
      if (c == close && --depth == 0) return k + 1;
    }
    return t_.size();
  }

  size_t ReadBody(size_t i, Heredoc* h) {
    h->body.quoted = true;  // read, even when empty
    std::string delim = h->delimiter;
    while (i < t_.size()) {
      size_t e = t_.find('\n', i);
      if (e == npos) e = t_.size();
      size_t s = i;
      if (h->strip_tabs)
        while (s < e && t_[s] == '\t') ++s;
      std::string_view line = t_.substr(s, e - s);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line == delim) return e + 1;
      for (size_t k = s; k < e; ++k) h->body.Add(t_[k], k);
      h->body.Add('\n', e);
      i = e + 1;
    }
    return t_.size();
  }

  std::string_view t_;
  bool ps_ = false;
  std::vector<Command> out_;
};

bool IsAssignment(const Piece& w, size_t* eq) {
  if (w.text.empty() || !(std::isalpha(static_cast<unsigned char>(w.text[0])) || w.text[0] == '_'))
    return false;
  size_t i = 0;
  while (i < w.text.size() &&
         (std::isalnum(static_cast<unsigned char>(w.text[i])) || w.text[i] == '_'))
    ++i;
  size_t name_end = i;
  // NAME+=, and make's NAME?=, NAME:=, NAME::=
  while (i < w.text.size() && i < name_end + 2 &&
         (w.text[i] == '+' || w.text[i] == '?' || w.text[i] == ':'))
    ++i;
  if (i >= w.text.size() || w.text[i] != '=') return false;
  // the name itself must be written as is (not quoted)
  if (!w.Verbatim(0, name_end)) return false;
  *eq = name_end;  // where the name ends; the operator (=, +=, ?=, :=) follows
  return true;
}

bool IsName(const Piece& w) {
  if (w.text.empty() || w.quoted ||
      !(std::isalpha(static_cast<unsigned char>(w.text[0])) || w.text[0] == '_'))
    return false;
  return std::all_of(w.text.begin(), w.text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string Basename(std::string_view p) {
  size_t s = p.find_last_of("/\\");  // C:\ProgramData\chrony\chrony.conf too
  return std::string(s == npos ? p : p.substr(s + 1));
}

bool IsCronField(std::string_view w) {
  if (w.empty()) return false;
  for (char c : w)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '*' || c == '/' || c == ',' || c == '-'))
      return false;
  return true;
}

// The name a reference at s[i] == '$' reads ($NAME, ${NAME}, ${NAME:-default}, and make's
// $(NAME)), as [*b, *e); false where none.
bool NameAt(std::string_view s, size_t i, size_t* b, size_t* e) {
  if (i + 1 >= s.size() || s[i] != '$') return false;
  bool paren = s[i + 1] == '(';
  *b = i + 1 + (s[i + 1] == '{' || paren);
  *e = *b;
  while (*e < s.size() && (std::isalnum(static_cast<unsigned char>(s[*e])) || s[*e] == '_')) ++*e;
  if (*e == *b || !(std::isalpha(static_cast<unsigned char>(s[*b])) || s[*b] == '_')) return false;
  // PowerShell's $env:NAME reads the environment variable NAME.
  if (!paren && *e - *b == 3 && *e + 1 < s.size() && s[*e] == ':' &&
      (s.substr(*b, 3) == "env" || s.substr(*b, 3) == "Env" || s.substr(*b, 3) == "ENV") &&
      (std::isalpha(static_cast<unsigned char>(s[*e + 1])) || s[*e + 1] == '_')) {
    *b = *e + 1;
    *e = *b;
    while (*e < s.size() && (std::isalnum(static_cast<unsigned char>(s[*e])) || s[*e] == '_')) ++*e;
  }
  // $(cmd args) is a command substitution; $(NAME) alone is a make variable.
  return !paren || (*e < s.size() && s[*e] == ')');
}

// Variable names compare as written (POSIX shells) or case-insensitively (PowerShell: $NtpServer
// and $ntpserver are one variable).
struct NameLess {
  bool fold = false;
  bool operator()(const std::string& a, const std::string& b) const {
    if (!fold) return a < b;
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return AsciiLower(x) < AsciiLower(y);
    });
  }
};
template <typename V>
using NameMap = std::map<std::string, V, NameLess>;

// Names a text reads, each with the offset of its first reference (`at` maps text positions):
// $NAME forms and cmd.exe's %NAME%.
template <typename At, typename Map>
void ReferencedNames(std::string_view s, At at, Map* out) {
  for (size_t i = 0, b, e; i + 1 < s.size(); ++i)
    if (NameAt(s, i, &b, &e)) out->emplace(std::string(s.substr(b, e - b)), at(i));
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] != '%') continue;
    size_t e = i + 1;
    while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_')) ++e;
    if (e > i + 1 && e < s.size() && s[e] == '%') out->emplace(std::string(s.substr(i + 1, e - i - 1)), at(i));
  }
}

template <typename Map>
void ReferencedNames(const Piece& p, Map* out) {
  ReferencedNames(
      p.text, [&](size_t i) { return p.OuterOf(i); }, out);
}

const std::set<std::string>& TimeCommands() {
  static const std::set<std::string> k = {
      "ntpdate", "ntpdate-debian", "sntp", "ntpdig", "rdate", "htpdate", "chronyd", "chronyc",
      "ntpd", "busybox-ntpd", "openntpd", "timedatectl", "w32tm", "net", "systemsetup", "esxcli",
      "ntpq", "ntptrace", "check_ntp", "check_ntp_time", "check_ntp_peer", "ntpclient"};
  return k;
}

class Interpreter {
 public:
  Interpreter(std::string_view text, Document* doc, bool powershell)
      : t_(text),
        doc_(doc),
        ps_(powershell),
        splats_(NameLess{powershell}),
        vars_(NameLess{powershell}),
        values_(NameLess{powershell}),
        used_(NameLess{powershell}),
        functions_(NameLess{powershell}) {}

  void Run(std::vector<Command>& cmds) {
    MatchBraces(cmds);
    Piece pipe_text;  // what the previous command of a pipeline writes to stdout
    bool have_pipe_text = false;
    for (size_t ci = 0; ci < cmds.size(); ++ci) {
      Command& c = cmds[ci];
      if (ForeachHeader(cmds, ci)) continue;
      Define(cmds, ci);
      Piece out;
      bool have_out = false;
      Interpret(c, have_pipe_text ? &pipe_text : nullptr, &out, &have_out);
      if (ps_) InterpretScriptBlocks(c.words, 0);
      pipe_text = c.pipe_to_next && have_out ? out : Piece();
      have_pipe_text = c.pipe_to_next && have_out;
      Call(cmds, c, 0);
    }
    // A = $B: B's value reaches wherever A's does (SpreadReads).
    NameMap<std::vector<size_t>> definitions_of(NameLess{ps_});
    for (size_t d = 0; d < definitions_.size(); ++d)
      definitions_of[definitions_[d].first].push_back(d);
    SpreadReads(&used_, [&](const std::string& name, auto&& add) {
      if (auto defs = definitions_of.find(name); defs != definitions_of.end())
        for (size_t d : defs->second)
          for (const auto& read : definitions_[d].second) add(read.first);
    });
    for (Fact& f : doc_->facts) {
      auto used = used_.find(std::string(f.name));
      if (f.section.empty() && assignments_.count(f.name_offset) && used != used_.end()) {
        f.section = "time";
        f.time_read = used->second;
      }
    }
  }

  // Names read in a time-source position, each with the offset of its first such read.
  std::map<std::string, size_t> TimeReads() const { return {used_.begin(), used_.end()}; }

 private:
  // A wrapper function: `name() { ... }`, `function name { ... }`, PowerShell
  // `function Name($a) { ... }` / `param($a)`. Its body is read again at each call with the
  // call's arguments in place of $1.. or the named parameters, so `set_ntp HOST` puts HOST where
  // the body's `w32tm /manualpeerlist:$1` or `ntpdate -u "$1"` reads it.
  struct Function {
    size_t body_begin = 0, body_end = 0;  // command indices, the `{` command to the `}` one
    std::vector<std::string> params;      // PowerShell names, lower case; empty: positional
  };

  static bool IsWord(const Piece& p, std::string_view s) { return !p.quoted && p.text == s; }

  // The `}` command that closes each command opening a `{`, in one pass.
  void MatchBraces(const std::vector<Command>& cmds) {
    std::vector<size_t> open;
    for (size_t i = 0; i < cmds.size(); ++i)
      for (const Piece& w : cmds[i].words) {
        if (IsWord(w, "{"))
          open.push_back(i);
        else if (IsWord(w, "}") && !open.empty()) {
          close_[open.back()] = i;
          open.pop_back();
        }
      }
  }

  void Define(const std::vector<Command>& cmds, size_t i) {
    const std::vector<Piece>& w = cmds[i].words;
    std::string name;
    if (w.size() >= 2 && IsWord(w[0], "function")) {
      name = w[1].text;
    } else if (w.size() == 1 && !w[0].quoted && w[0].end < t_.size()) {
      // name() {: the lexer ended the command at '('.
      size_t k = w[0].end;
      while (k < t_.size() && (t_[k] == ' ' || t_[k] == '\t')) ++k;
      if (k + 1 >= t_.size() || t_[k] != '(') return;
      ++k;
      while (k < t_.size() && (t_[k] == ' ' || t_[k] == '\t')) ++k;
      if (t_[k] != ')') return;
      name = w[0].text;
    } else {
      return;
    }
    while (!name.empty() && name.back() == '{') name.pop_back();
    if (name.empty()) return;
    Function f;
    size_t j = i;
    // The header's parameters ($a, [string]$b) stand as commands of their own before the `{`.
    for (; j < cmds.size() && j < i + 8; ++j) {
      const std::vector<Piece>& cw = cmds[j].words;
      if (std::any_of(cw.begin(), cw.end(), [](const Piece& p) { return IsWord(p, "{"); })) break;
      if (j > i) AddParams(cw, &f.params);
    }
    auto it = close_.find(j);
    if (j >= cmds.size() || it == close_.end()) return;
    f.body_begin = j;
    f.body_end = it->second;
    // PowerShell param(...) at the top of the body.
    for (size_t k = j + 1; k < f.body_end && k < j + 8; ++k) {
      const std::vector<Piece>& cw = cmds[k].words;
      if (cw.size() == 1 && (IsWord(cw[0], "param") || IsWord(cw[0], "Param"))) continue;
      if (!AddParams(cw, &f.params)) break;
    }
    functions_[name] = std::move(f);
  }

  // `$a`, `[string]$a`, `$a,`, `$a = "x"`: parameter declarations; false for anything else.
  static bool AddParams(const std::vector<Piece>& words, std::vector<std::string>* out) {
    if (words.empty()) return false;
    for (const Piece& p : words) {
      std::string_view s = p.text;
      while (s.starts_with("[")) {
        size_t e = s.find(']');
        if (e == std::string_view::npos) return false;
        s.remove_prefix(e + 1);
      }
      if (!s.starts_with("$")) return false;
      s.remove_prefix(1);
      while (!s.empty() && (s.back() == ',' || s.back() == ')')) s.remove_suffix(1);
      if (s.empty()) return false;
      std::string name = AsciiLowerCopy(s);
      out->push_back(name);
      break;  // `$a = "default"`: the rest is the default
    }
    return true;
  }

  void Call(const std::vector<Command>& cmds, const Command& c, int depth) {
    if (c.words.empty() || depth > 3) return;
    auto it = functions_.find(c.words[0].text);
    if (it == functions_.end() || c.words[0].quoted) return;
    const Function& f = it->second;
    // The call's arguments: positional ($1..), or -Name value for PowerShell parameters.
    std::map<std::string, const Piece*> args;
    size_t position = 0;
    for (size_t i = 1; i < c.words.size(); ++i) {
      const Piece& a = c.words[i];
      if (!f.params.empty() && a.text.size() > 1 && a.text[0] == '-' && !a.quoted &&
          i + 1 < c.words.size()) {
        std::string n = AsciiLowerCopy(a.text.substr(1));
        if (std::find(f.params.begin(), f.params.end(), n) != f.params.end()) {
          args[n] = &c.words[++i];
          continue;
        }
      }
      ++position;
      args[std::to_string(position)] = &a;
      if (position <= f.params.size()) args.emplace(f.params[position - 1], &a);
    }
    // Bounded: a long body or many calls must not make a script quadratic.
    if (args.empty() || f.body_end - f.body_begin > 64) return;
    for (size_t k = f.body_begin; k <= f.body_end && k < cmds.size() && inline_budget_ > 0;
         ++k, --inline_budget_) {
      Command inlined = cmds[k];
      bool changed = false;
      for (Piece& w : inlined.words) w = Substitute(w, args, &changed);
      if (!changed) continue;
      Piece out;
      bool have_out = false;
      Interpret(inlined, nullptr, &out, &have_out);
      Call(cmds, inlined, depth + 1);
    }
  }

  // `w` with $1, ${1}, $name, ${name} replaced by the call's argument, positions kept.
  static Piece Substitute(const Piece& w, const std::map<std::string, const Piece*>& args,
                          bool* changed) {
    if (w.text.find('$') == std::string::npos) return w;
    Piece out;
    out.quoted = w.quoted;
    for (size_t i = 0; i < w.text.size(); ++i) {
      if (w.text[i] == '$' && i + 1 < w.text.size()) {
        bool brace = w.text[i + 1] == '{';
        size_t b = i + 1 + brace, e = b;
        while (e < w.text.size() &&
               (std::isalnum(static_cast<unsigned char>(w.text[e])) || w.text[e] == '_'))
          ++e;
        std::string n = AsciiLowerCopy(w.text.substr(b, e - b));
        auto it = args.find(n);
        if (e > b && it != args.end() && (!brace || (e < w.text.size() && w.text[e] == '}'))) {
          out.AddAll(*it->second);
          *changed = true;
          i = e - 1 + brace;
          continue;
        }
      }
      out.Add(w.text[i], w.OuterOf(i));
    }
    return out;
  }

  // PowerShell @{ Key = value; ... } at t_[open] ('{'): each key, lower case, with its value
  // (quotes removed, positions kept). A value that is not a plain string or word is skipped.
  std::map<std::string, Piece> HashTable(size_t open) const {
    std::map<std::string, Piece> out;
    size_t end = std::min(t_.size(), open + 4096);
    size_t i = open + 1;
    auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    while (i < end && t_[i] != '}') {
      if (IsSpace(t_[i]) || t_[i] == '\n' || t_[i] == '\r' || t_[i] == ';') {
        ++i;
        continue;
      }
      size_t kb = i;
      while (i < end && word_char(t_[i])) ++i;
      std::string key(t_.substr(kb, i - kb));
      while (i < end && IsSpace(t_[i])) ++i;
      if (key.empty() || i >= end || t_[i] != '=') {
        while (i < end && t_[i] != ';' && t_[i] != '\n' && t_[i] != '}') ++i;
        continue;
      }
      ++i;
      while (i < end && IsSpace(t_[i])) ++i;
      Piece value;
      if (i < end && (t_[i] == '\'' || t_[i] == '"')) {
        char q = t_[i++];
        for (; i < end && t_[i] != q && t_[i] != '\n'; ++i) value.Add(t_[i], i);
        if (i < end && t_[i] == q) ++i;
        value.quoted = true;
      } else {
        for (; i < end && !IsSpace(t_[i]) && t_[i] != ';' && t_[i] != '\n' && t_[i] != '}'; ++i)
          value.Add(t_[i], i);
      }
      key = AsciiLowerCopy(key);
      if (!value.text.empty() && value.text.find_first_of("@({$") != 0) out[key] = value;
    }
    return out;
  }

  // PowerShell registry writes: Set-ItemProperty/New-ItemProperty [-Path] P [-Name] N [-Value] V,
  // arguments also from a splatted @table; `.` (or no path) is where Set-Location/Push-Location
  // went. A fact named P.N (as a .reg file's) with V's words.
  void Registry(const std::vector<Piece>& w, const std::string& command, size_t first) {
    std::string cmd = AsciiLowerCopy(command);
    static const std::set<std::string> kMove = {"set-location",  "sl",   "cd", "chdir",
                                                "push-location", "pushd"};
    if (kMove.count(cmd)) {
      if (cmd == "push-location" || cmd == "pushd") locations_.push_back(location_);
      for (size_t i = first; i < w.size(); ++i)
        if (w[i].quoted || !w[i].text.starts_with("-")) {
          std::string to = Resolve(w[i].text);
          bool absolute = to.find(':') != std::string::npos;
          location_ = absolute || location_.empty() ? to : location_ + "\\" + to;
          break;
        }
      return;
    }
    if (cmd == "pop-location" || cmd == "popd") {
      if (!locations_.empty()) {
        location_ = locations_.back();
        locations_.pop_back();
      }
      return;
    }
    if (cmd != "set-itemproperty" && cmd != "new-itemproperty" && cmd != "sp") return;
    std::map<std::string, const Piece*> named;
    std::vector<const Piece*> positional;
    static const std::set<std::string> kTakesValue = {
        "-type", "-propertytype", "-erroraction", "-credential", "-filter", "-include", "-exclude"};
    for (size_t i = first; i < w.size(); ++i) {
      std::string flag = AsciiLowerCopy(w[i].text);
      if (w[i].quoted || !(flag.starts_with("-") || flag.starts_with("@"))) {
        positional.push_back(&w[i]);
      } else if (flag.starts_with("@")) {
        if (auto it = splats_.find(w[i].text.substr(1)); it != splats_.end())
          for (const auto& [key, value] : it->second) named.emplace("-" + key, &value);
      } else if (i + 1 < w.size() && (flag == "-path" || flag == "-literalpath" ||
                                      flag == "-pspath" || flag == "-name" || flag == "-value")) {
        named[flag == "-literalpath" || flag == "-pspath" ? "-path" : flag] = &w[++i];
      } else if (kTakesValue.count(flag)) {
        ++i;
      }
    }
    size_t next = 0;
    for (const char* p : {"-path", "-name", "-value"})
      if (!named.count(p) && next < positional.size()) named[p] = positional[next++];
    if (!named.count("-name") || !named.count("-value")) return;
    std::string path = named.count("-path") ? Resolve(named["-path"]->text) : ".";
    if (path == ".") path = location_;
    if (path.empty()) return;
    const Piece* value = named["-value"];
    if (const Piece* v = ValueOf(*value)) value = v;
    Fact f;
    f.name = doc_->Keep(path + "." + Resolve(named["-name"]->text));
    f.name_offset = named["-name"]->OuterOf(0);
    f.line_offset = LineStart(value->OuterOf(0));
    for (size_t i = 0; i < value->text.size();) {
      while (i < value->text.size() && IsSpace(value->text[i])) ++i;
      size_t b = i;
      while (i < value->text.size() && !IsSpace(value->text[i])) ++i;
      if (i > b) f.args.push_back(MakeToken(*value, b, i));
    }
    if (!f.args.empty()) doc_->facts.push_back(std::move(f));
  }

  Token MakeToken(const Piece& p, size_t a, size_t b) {
    return DecodedToken(t_, p.text, p.map, p.begin == npos ? 0 : p.begin, a, b, doc_);
  }

  size_t LineStart(size_t off) const { return line_starts_(off); }

  void Assign(const Piece& w, size_t eq) {
    Piece value;
    for (size_t i = w.text.find('=', eq) + 1; i < w.text.size(); ++i)
      value.Add(w.text[i], w.OuterOf(i));
    Define(w.text.substr(0, eq), w.OuterOf(0), value);
  }

  // NAME = value: a definition; the value's words are its arguments (a quoted list "a b c" is
  // several).
  void Define(std::string name, size_t name_offset, const Piece& v) {
    Fact f;
    f.name = doc_->Keep(name);
    f.name_offset = name_offset;
    f.line_offset = LineStart(f.name_offset);
    for (size_t i = 0; i < v.text.size();) {
      while (i < v.text.size() && IsSpace(v.text[i])) ++i;
      size_t b = i;
      while (i < v.text.size() && !IsSpace(v.text[i])) ++i;
      if (i > b) f.args.push_back(MakeToken(v, b, i));
    }
    vars_[name] = v.text;
    values_[name] = v;
    std::map<std::string, size_t> reads;
    ReferencedNames(v, &reads);
    definitions_.emplace_back(name, std::move(reads));
    assignments_.insert(f.name_offset);
    doc_->facts.push_back(std::move(f));
  }

  // A loop variable: defined by the words it iterates over, one blank apart.
  void DefineLoopVariable(std::string name, size_t name_offset, const std::vector<Piece>& w,
                          size_t first) {
    Piece value;
    AppendWords(w, first, &value);
    Define(std::move(name), name_offset, value);
  }

  // PowerShell `foreach ($s in $servers)`: the lexer leaves `foreach` a command of its own,
  // the parenthesis the next one.
  bool ForeachHeader(const std::vector<Command>& cmds, size_t ci) {
    if (!ps_ || ci == 0 || cmds[ci - 1].words.size() != 1 ||
        AsciiLowerCopy(cmds[ci - 1].words[0].text) != "foreach")
      return false;
    const std::vector<Piece>& w = cmds[ci].words;
    if (w.size() < 3 || w[0].quoted || w[0].text.size() < 2 || w[0].text[0] != '$' ||
        AsciiLowerCopy(w[1].text) != "in" || w[1].quoted)
      return false;
    DefineLoopVariable(w[0].text.substr(1), w[0].OuterOf(1), w, 2);
    return true;
  }

  std::string Resolve(const std::string& s) const {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      size_t b, e;
      if (NameAt(s, i, &b, &e)) {
        if (auto it = vars_.find(s.substr(b, e - b)); it != vars_.end()) {
          out += it->second;
          if (s[i + 1] == '{' || s[i + 1] == '(') {
            size_t close = s.find(s[i + 1] == '{' ? '}' : ')', e);
            e = close == std::string::npos ? e : close + 1;
          }
          i = e - 1;
          continue;
        }
      }
      out += s[i];
    }
    return out;
  }

  void Embed(const Piece& p, const std::string& raw_path) {
    if (p.text.empty() || p.map.empty()) return;
    std::string path = Resolve(raw_path);
    if (path.find('/') == npos) std::replace(path.begin(), path.end(), '\\', '/');  // C:\...
    // `$conf = Join-Path $env:ProgramData 'chrony\chrony.conf'`: the path is the last word.
    if (size_t space = path.find_last_of(" \t"); space != npos && space + 1 < path.size())
      path.erase(0, space + 1);
    if (IsTimeConfigPath(path)) SourceLineReads(p, path);
    EmbedAs(p, std::move(path));
  }

  // The names read on lines of `p` that name a time source once written into the config at
  // `path`: `server $X`, `NTP=$X`, a host list's lines, or a line that is itself a value
  // (`$LINE`, a sed replacement `$NTP`); `logdir $D`, `driftfile $F` are no source.
  void SourceLineReads(const Piece& p, const std::string& path) {
    std::string base = Basename(path);
    bool host_list = base == "step-tickers" || base == "ntpservers";
    const std::string& t = p.text;
    for (size_t b = 0; b < t.size();) {
      size_t e = t.find('\n', b);
      if (e == npos) e = t.size();
      size_t k = b;
      while (k < e && IsSpace(t[k])) ++k;
      size_t w = k;
      while (w < e && !IsSpace(t[w]) && t[w] != '=') ++w;
      std::string key = AsciiLowerCopy(t.substr(k, w - k));
      static const std::set<std::string> kSourceKeys = {
          "server",       "pool",      "peer",           "servers",
          "initstepslew", "ntp",       "fallbackntp",    "ntpservers",
          "htp_servers",  "ntpserver", "manycastclient", "broadcastclient"};
      if (host_list || kSourceKeys.count(key) || key.starts_with("$") || key.starts_with("%"))
        ReferencedNames(
            std::string_view(t).substr(k, e - k), [&](size_t i) { return p.OuterOf(k + i); },
            &used_);
      b = e + 1;
    }
  }

  // The value of a word that is only `$name` (a variable set in the script), or null.
  const Piece* ValueOf(const Piece& w) const {
    if (w.quoted || w.text.size() < 2 || w.text[0] != '$') return nullptr;
    auto it = values_.find(w.text.substr(1));
    return it == values_.end() ? nullptr : &it->second;
  }

  // The text of `sh -c 'SCRIPT'`, read again as a script.
  void EmbedScript(const Piece& p) {
    if (p.text.empty() || p.map.empty()) return;
    EmbedAs(p, "sh-c.sh");
  }

  void EmbedAs(const Piece& p, std::string path) {
    EmbeddedDocument e;
    e.path = std::move(path);
    e.text = p.text;
    e.line_map = p.map;
    if (e.line_map.front().first != 0) e.line_map.insert(e.line_map.begin(), {0, p.OuterOf(0)});
    e.outer_offset = p.begin == npos ? 0 : p.begin;
    e.outer_length = std::max<size_t>(p.end > e.outer_offset ? p.end - e.outer_offset : 1, 1);
    if (e.text.back() != '\n') e.text += '\n';
    doc_->embedded.push_back(std::move(e));
  }

  // Text with escapes (\n, \t) decoded, positions kept.
  static Piece Unescape(const Piece& p) {
    Piece out;
    for (size_t i = 0; i < p.text.size(); ++i) {
      if (p.text[i] == '\\' && i + 1 < p.text.size()) {
        char n = p.text[i + 1];
        if (n == 'n' || n == 't' || n == '\\') {
          out.Add(n == 'n' ? '\n' : n == 't' ? '\t' : '\\', p.OuterOf(i));
          ++i;
          continue;
        }
      }
      out.Add(p.text[i], p.OuterOf(i));
    }
    return out;
  }

  // Words Interpret steps over before a command's name.
  static const std::set<std::string>& Keywords() {
    static const std::set<std::string> kKeywords = {
        "then", "do",   "else", "elif",  "if",      "while",   "until", "!", "{",
        "}",    "time", "exec", "nohup", "command", "builtin", "done",  "fi"};
    return kKeywords;
  }

  // PowerShell script blocks inside a command's words (`Invoke-Command -ScriptBlock { w32tm ... }`,
  // DSC `SetScript = { ... }`): each block's words are read as a command of their own as well.
  void InterpretScriptBlocks(const std::vector<Piece>& w, int depth) {
    if (depth > 4 || w.empty() || IsWord(w[0], "function") || IsWord(w[0], "filter")) return;
    for (size_t open = 1; open < w.size(); ++open) {
      if (!IsWord(w[open], "{")) continue;
      // `do { cmd }`, `} else { cmd }`: Interpret already read cmd as the command.
      bool led_by_keywords =
          std::all_of(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(open),
                      [](const Piece& p) { return !p.quoted && Keywords().count(p.text); });
      size_t close = open + 1;
      for (int nesting = 1; close < w.size(); ++close) {
        if (IsWord(w[close], "{")) ++nesting;
        if (IsWord(w[close], "}") && --nesting == 0) break;
      }
      if (close == open + 1) continue;
      Command block;
      block.words.assign(w.begin() + static_cast<std::ptrdiff_t>(open) + 1,
                         w.begin() + static_cast<std::ptrdiff_t>(close));
      if (!led_by_keywords) {
        Piece out;
        bool have_out = false;
        Interpret(block, nullptr, &out, &have_out);
      }
      InterpretScriptBlocks(block.words, depth + 1);
      open = close;
    }
  }

  void Interpret(Command& c, const Piece* stdin_text, Piece* out, bool* have_out) {
    std::vector<Piece>& w = c.words;
    size_t k = 0;
    // PowerShell `$peers = "a,0x8 b,0x8"` and cmd.exe `set PEERS=a`: assignments too.
    if (w.size() >= 3 && w[0].text.size() > 1 && w[0].text[0] == '$' && !w[0].quoted &&
        w[1].text == "=" && !w[1].quoted) {
      Piece joined;
      size_t from = 1;  // $env:NAME = ... sets the environment variable NAME
      if (w[0].text.size() > 5 &&
          (w[0].text.compare(1, 4, "env:") == 0 || w[0].text.compare(1, 4, "Env:") == 0 ||
           w[0].text.compare(1, 4, "ENV:") == 0))
        from = 5;
      for (char ch : std::string_view(w[0].text).substr(from)) {
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return;
      }
      for (size_t i = from; i < w[0].text.size(); ++i) joined.Add(w[0].text[i], w[0].OuterOf(i));
      if (ps_ && w[2].text.starts_with("@{") && !w[2].quoted && w[2].Verbatim(0, 2) &&
          splats_.size() < 256)
        splats_[w[0].text.substr(from)] = HashTable(w[2].OuterOf(1));
      size_t eq = joined.text.size();
      joined.Add('=', w[1].OuterOf(0));
      AppendWords(w, 2, &joined);
      Assign(joined, eq);
      return;
    }
    if (w.size() >= 2 && (w[0].text == "set" || w[0].text == "SET")) {
      // cmd.exe: the value is the rest of the line, blanks and all (set PEERS=a b).
      size_t eq;
      if (IsAssignment(w[1], &eq)) {
        Piece joined = w[1];
        for (size_t i = 2; i < w.size(); ++i) {
          joined.Add(' ', w[i].OuterOf(0));
          joined.AddAll(w[i]);
        }
        Assign(joined, eq);
        return;
      }
    }
    // Cron lines: five schedule fields (or @reboot...) and, in /etc/crontab, a user.
    if (w.size() >= 6 && IsCronField(w[0].text) && IsCronField(w[1].text) && IsCronField(w[2].text) &&
        IsCronField(w[3].text) && IsCronField(w[4].text))
      k = 5;
    else if (static const std::set<std::string> kSchedules = {"@reboot", "@yearly", "@annually",
                                                              "@monthly", "@weekly", "@daily",
                                                              "@midnight", "@hourly"};
             w.size() >= 2 && kSchedules.count(w[0].text))
      k = 1;
    if (k && k + 1 < w.size() && w[k].text.find('/') == std::string::npos &&
        (w[k + 1].text.starts_with("/") || TimeCommands().count(Basename(w[k + 1].text))))
      ++k;  // /etc/crontab, /etc/cron.d: user
    for (bool again = true; again && k < w.size();) {
      again = false;
      size_t eq;
      static const std::set<std::string> kMakeOps = {"=", "?=", ":=", "::=", "+=", "!="};
      if (k + 1 < w.size() && !w[k + 1].quoted && kMakeOps.count(w[k + 1].text) && IsName(w[k])) {
        // make: NAME ?= value words
        Piece value;
        AppendWords(w, k + 2, &value);
        Define(w[k].text, w[k].OuterOf(0), value);
        return;
      }
      if (IsAssignment(w[k], &eq)) {
        std::string name = w[k].text.substr(0, eq);
        if (name.starts_with("Exec")) {
          // systemd unit: ExecStart=-/usr/sbin/ntpdate -s HOST
          Piece rest;
          size_t s = eq + 1;
          while (s < w[k].text.size() && std::string_view("-@:+!").find(w[k].text[s]) != npos) ++s;
          for (size_t i = s; i < w[k].text.size(); ++i) rest.Add(w[k].text[i], w[k].OuterOf(i));
          w[k] = rest;
          again = true;
          continue;
        }
        Assign(w[k], eq);
        ++k;
        again = true;
        continue;
      }
      if (Keywords().count(w[k].text) && !w[k].quoted) {
        ++k;
        again = true;
        continue;
      }
      if (w[k].text == "for" || w[k].text == "case" || w[k].text == "function") {
        // for NAME in WORDS: NAME holds each word in turn, so it reads what they read.
        if (IsWord(w[k], "for") && k + 2 < w.size() && IsName(w[k + 1]) && IsWord(w[k + 2], "in"))
          DefineLoopVariable(w[k + 1].text, w[k + 1].OuterOf(0), w, k + 3);
        k = w.size();
        break;
      }
      std::string base = Basename(w[k].text);
      if (base == "sudo" || base == "doas") {
        ++k;
        while (k < w.size() && w[k].text.starts_with("-")) {
          bool takes = w[k].text == "-u" || w[k].text == "-g" || w[k].text == "-C" || w[k].text == "-p";
          k += takes ? 2 : 1;
        }
        again = true;
      } else if (base == "env") {
        ++k;
        while (k < w.size() && w[k].text.starts_with("-")) ++k;
        again = true;
      } else if (base == "nice" || base == "ionice" || base == "timeout" || base == "stdbuf") {
        ++k;
        while (k < w.size() && (w[k].text.starts_with("-") || std::isdigit(static_cast<unsigned char>(w[k].text[0])))) ++k;
        again = true;
      } else if (base == "export" || base == "local" || base == "readonly" || base == "declare" ||
                 base == "typeset") {
        ++k;
        while (k < w.size()) {
          size_t e2;
          if (IsAssignment(w[k], &e2)) Assign(w[k], e2);
          ++k;
        }
        return;
      }
    }
    if (k >= w.size()) {
      // No command: a bare redirection of a heredoc ("cat" omitted) still writes.
      return;
    }
    // make's `chronyd : $(OBJS)` is a rule, a target and its prerequisites: nothing runs.
    if (k == 0 && w.size() > 1 && !w[1].quoted && (w[1].text == ":" || w[1].text == "::")) return;
    // make recipe prefixes: @ (silent), - (errors ignored), + (run under -n)
    std::string_view word = w[k].text;
    auto prefix = [](char c) { return c == '@' || c == '-' || c == '+'; };
    while (word.size() > 1 && prefix(word[0]) &&
           (std::isalpha(static_cast<unsigned char>(word[1])) || word[1] == '/' || prefix(word[1])))
      word.remove_prefix(1);
    std::string name = Basename(word);
    size_t first_arg = k + 1;
    if (name == "busybox" && k + 1 < w.size()) {
      name = "busybox-" + Basename(w[k + 1].text);
      ++first_arg;
    }
    Fact f;
    f.name = doc_->Keep(name);
    f.name_offset = w[k].OuterOf(0);
    f.line_offset = LineStart(f.name_offset);
    for (size_t i = first_arg; i < w.size(); ++i) {
      if (w[i].text.empty()) continue;
      // /manualpeerlist:"a,0x8 b" and --server="a": the flag, then its value with its own
      // offsets (the quotes made the whole word decoded).
      size_t sep = w[i].text.find_first_of("=:");
      bool flag = (w[i].text[0] == '/' || w[i].text[0] == '-') && sep != std::string::npos &&
                  sep + 1 < w[i].text.size() && !w[i].Verbatim(0, w[i].text.size()) &&
                  w[i].text.find('/', 1) > sep;
      if (flag) {
        f.args.push_back(MakeToken(w[i], 0, sep));
        f.args.push_back(MakeToken(w[i], sep + 1, w[i].text.size()));
      } else {
        f.args.push_back(MakeToken(w[i], 0, w[i].text.size()));
      }
    }
    if (TimeCommands().count(name)) {
      // The value of a file, key, log, timeout or version option is no server (`-f $CONF`).
      static const std::set<std::string> kNonHostValue = {"-f",       "-k",        "-l",       "-t",
                                                          "--config", "--keyfile", "--logfile"};
      for (size_t i = first_arg; i < w.size(); ++i) {
        if (!w[i].quoted && kNonHostValue.count(w[i].text)) {
          ++i;
          continue;
        }
        ReferencedNames(w[i], &used_);
      }
    }
    doc_->facts.push_back(std::move(f));
    if (ps_) Registry(w, name, first_arg);

    // What the command writes to stdout.
    Piece text;
    bool has_text = false;
    if (name == "echo" || name == "printf") {
      size_t i = first_arg;
      bool escapes = name == "printf";
      while (name == "echo" && i < w.size() && (w[i].text == "-e" || w[i].text == "-n" || w[i].text == "-en" || w[i].text == "-ne" || w[i].text == "-E")) {
        escapes = escapes || w[i].text.find('e') != std::string::npos;
        ++i;
      }
      if (name == "printf" && i < w.size()) {
        // printf FORMAT ARGS: %s takes the next argument.
        const Piece& fmt = w[i++];
        for (size_t j = 0; j < fmt.text.size(); ++j) {
          if (fmt.text[j] == '%' && j + 1 < fmt.text.size()) {
            size_t m = j + 1;
            while (m < fmt.text.size() && (std::isdigit(static_cast<unsigned char>(fmt.text[m])) || fmt.text[m] == '-' || fmt.text[m] == '.')) ++m;
            if (m < fmt.text.size() && fmt.text[m] == '%') {
              text.Add('%', fmt.OuterOf(j));
            } else if (m < fmt.text.size() && i < w.size()) {
              text.AddAll(w[i++]);
            }
            j = m;
            continue;
          }
          text.Add(fmt.text[j], fmt.OuterOf(j));
        }
      } else {
        for (; i < w.size(); ++i) {
          if (!text.text.empty()) text.Add(' ', w[i].OuterOf(0));
          text.AddAll(w[i]);
        }
      }
      if (escapes) text = Unescape(text);
      has_text = true;
    } else if ((name == "cat" || name == "tee") && !c.heredocs.empty()) {
      text = c.heredocs.front().body;
      has_text = true;
    } else if (!c.herestring.text.empty()) {
      text = c.herestring;
      has_text = true;
    } else if (name == "tee" && stdin_text) {
      text = *stdin_text;
      has_text = true;
    } else if (name == "cat" && stdin_text) {
      text = *stdin_text;
      has_text = true;
    } else if (k + 1 == w.size() && c.pipe_to_next && (w[k].quoted || ValueOf(w[k]))) {
      // PowerShell: a string, a here-string or a variable holding one is the pipeline's output
      text = w[k].quoted ? w[k] : *ValueOf(w[k]);
      has_text = true;
    }
    // PowerShell: Set-Content/Add-Content/Out-File [-Path] FILE [-Value TEXT] or piped text.
    std::string lower = AsciiLowerCopy(name);
    if (lower == "set-content" || lower == "add-content" || lower == "out-file") {
      const Piece* file = nullptr;
      const Piece* value = stdin_text;
      for (size_t i = first_arg; i < w.size(); ++i) {
        std::string flag = AsciiLowerCopy(w[i].text);
        bool is_flag = !w[i].quoted && flag.starts_with("-");
        if (is_flag && i + 1 < w.size() &&
            (flag == "-path" || flag == "-filepath" || flag == "-literalpath")) {
          file = &w[++i];
        } else if (is_flag && i + 1 < w.size() && (flag == "-value" || flag == "-inputobject")) {
          value = &w[++i];
        } else if (is_flag && i + 1 < w.size() && flag == "-encoding") {
          ++i;
        } else if (!is_flag && !file) {
          file = &w[i];
        } else if (!is_flag && value == stdin_text) {
          value = &w[i];
        }
      }
      if (file && value) Embed(ValueOf(*value) ? *ValueOf(*value) : *value, file->text);
    }
    if (has_text) {
      if (name == "tee")
        for (size_t i = first_arg; i < w.size(); ++i)
          if (!w[i].text.starts_with("-")) Embed(text, w[i].text);
      bool redirected = false;
      for (auto& [op, target] : c.redirects)
        if ((op == ">" || op == ">>" || op == ">|" || op == "&>" || op == "&>>") && target.text != "/dev/null") {
          Embed(text, target.text);
          redirected = true;
        }
      if (!redirected && c.pipe_to_next) {
        *out = text;
        *have_out = true;
      }
    }
    if (name == "sed") Sed(w, first_arg);
    // sh -c 'SCRIPT' (an argument array's usual shape): the script is a shell document.
    if (name == "sh" || name == "bash" || name == "dash" || name == "ash" || name == "ksh" ||
        name == "zsh" || name == "busybox-sh") {
      for (size_t i = first_arg; i + 1 < w.size(); ++i) {
        const std::string& a = w[i].text;
        if (a.size() >= 2 && a[0] == '-' && a[1] != '-' && a.find('c') != std::string::npos) {
          EmbedScript(w[i + 1]);
          break;
        }
      }
    }
    if (name == "chronyd" || name == "chronyc") {
      // chronyd -q 'server HOST iburst': each argument is a chrony.conf line.
      static const std::set<std::string> kDirectives = {"server", "pool", "peer", "initstepslew",
                                                        "refclock", "allow", "makestep"};
      for (size_t i = first_arg; i < w.size(); ++i) {
        std::string first_word = w[i].text.substr(0, w[i].text.find(' '));
        if (w[i].quoted && kDirectives.count(first_word)) {
          Embed(w[i], "etc/chrony.conf");  // its server lines are what reach a source
        }
      }
    }
  }

  // sed -i [-e] SCRIPT FILE...: the text s///, a, i and c commands put into FILE.
  void Sed(const std::vector<Piece>& w, size_t first) {
    bool in_place = false;
    std::vector<const Piece*> scripts, files;
    for (size_t i = first; i < w.size(); ++i) {
      const std::string& a = w[i].text;
      if (a == "-i" || a.starts_with("-i") || a.starts_with("--in-place") ||
          (a.size() > 1 && a[0] == '-' && a[1] != '-' && a.find('i') != std::string::npos && a != "-e" && !w[i].quoted))
        in_place = true;
      if (a == "-e" || a == "--expression") {
        if (i + 1 < w.size()) scripts.push_back(&w[++i]);
      } else if (a == "-f" || a == "--file") {
        ++i;
      } else if (a.starts_with("-") && !w[i].quoted) {
        continue;
      } else {
        files.push_back(&w[i]);
      }
    }
    if (!in_place) return;
    if (scripts.empty() && !files.empty()) {
      scripts.push_back(files.front());
      files.erase(files.begin());
    }
    for (const Piece* script : scripts) {
      for (const Piece& text : SedTexts(*script)) {
        for (const Piece* file : files) Embed(text, file->text);
      }
    }
  }

  // The replacement texts of s commands and the text of a/i/c commands of a sed script.
  std::vector<Piece> SedTexts(const Piece& s) {
    std::vector<Piece> out;
    const std::string& t = s.text;
    size_t i = 0;
    auto skip_regex = [&](char d) {
      for (++i; i < t.size() && t[i] != d; ++i)
        if (t[i] == '\\') ++i;
      if (i < t.size()) ++i;
    };
    while (i < t.size()) {
      while (i < t.size() && (t[i] == ' ' || t[i] == ';' || t[i] == '\n')) ++i;
      // address: N, $, /re/, \cREc, first~step; optionally ",addr" and "!".
      for (int part = 0; part < 2 && i < t.size(); ++part) {
        if (t[i] == '/') skip_regex('/');
        else if (t[i] == '\\' && i + 1 < t.size()) {
          ++i;
          skip_regex(t[i]);
        } else
          while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '$' || t[i] == '~')) ++i;
        if (part == 0 && i < t.size() && t[i] == ',') ++i;
        else break;
      }
      while (i < t.size() && (t[i] == '!' || t[i] == ' ')) ++i;
      if (i >= t.size()) break;
      char cmd = t[i++];
      if (cmd == 's' && i < t.size()) {
        char d = t[i];
        skip_regex(d);  // the regular expression
        Piece repl;
        for (; i < t.size() && t[i] != d; ++i) {
          if (t[i] == '\\' && i + 1 < t.size()) {
            char n = t[i + 1];
            if (n == 'n') repl.Add('\n', s.OuterOf(i));
            else if (!std::isdigit(static_cast<unsigned char>(n))) repl.Add(n, s.OuterOf(i + 1));
            ++i;
          } else if (t[i] == '&') {
            // the matched text: unknown here
          } else {
            repl.Add(t[i], s.OuterOf(i));
          }
        }
        if (i < t.size()) ++i;
        while (i < t.size() && t[i] != ';' && t[i] != '\n') ++i;  // flags
        if (!repl.text.empty()) out.push_back(std::move(repl));
      } else if (cmd == 'a' || cmd == 'i' || cmd == 'c') {
        if (i < t.size() && t[i] == '\\') ++i;
        while (i < t.size() && (t[i] == ' ' || t[i] == '\n')) ++i;
        Piece text;
        for (; i < t.size() && t[i] != '\n'; ++i) {
          if (t[i] == '\\' && i + 1 < t.size()) {
            if (t[i + 1] == 'n') text.Add('\n', s.OuterOf(i));
            else text.Add(t[i + 1], s.OuterOf(i + 1));
            ++i;
            continue;
          }
          text.Add(t[i], s.OuterOf(i));
        }
        if (!text.text.empty()) out.push_back(std::move(text));
      } else {
        while (i < t.size() && t[i] != ';' && t[i] != '\n') ++i;
      }
    }
    return out;
  }

  std::string_view t_;
  mutable LineStartCursor line_starts_{t_};
  Document* doc_;
  bool ps_ = false;  // PowerShell: case-insensitive names, splats, registry writes
  NameMap<std::map<std::string, Piece>> splats_;  // $p = @{ Path = ...; Name = ...; Value = ... }
  std::string location_;                // where Set-Location went (registry writes to `.`)
  std::vector<std::string> locations_;  // Push-Location's stack
  NameMap<std::string> vars_;
  NameMap<Piece> values_;  // the same, with positions: `$conf | Set-Content f`
  std::vector<std::pair<std::string, std::map<std::string, size_t>>>
      definitions_;  // name, what it reads
  NameMap<size_t> used_;
  std::set<size_t> assignments_;
  std::map<size_t, size_t> close_;  // command opening `{` -> command closing it
  NameMap<Function> functions_;
  size_t inline_budget_ = 20000;  // body commands read again at calls, per document
};

}  // namespace

bool IsTimeConfigPath(std::string_view path) {
  std::string base = Basename(path);
  static const std::set<std::string> kNames = {"chrony.conf", "ntp.conf", "ntpd.conf",
                                               "timesyncd.conf", "step-tickers", "ntpservers",
                                               "ntp.conf.dhcp", "ntpdate", "htpdate",
                                               "ntpsec-ntpdate"};
  if (kNames.count(base)) return true;
  if (base.ends_with(".sources") || base.ends_with(".network")) return true;
  for (const char* dir : {"timesyncd.conf.d/", "chrony.d/", "chrony/conf.d/", "ntp.d/", "ntpsec/"})
    if (path.find(dir) != npos) return true;
  return false;
}

bool IsPowerShellUserData(std::string_view text) {
  auto skip_blank = [&] {
    while (!text.empty() && (IsSpace(text.front()) || text.front() == '\n')) text.remove_prefix(1);
  };
  skip_blank();
  if (text.starts_with("<script>")) {
    size_t e = text.find("</script>");
    if (e == npos) return false;
    text.remove_prefix(e + 9);
    skip_blank();
  }
  return text.starts_with("<powershell>");
}

void ReadShell(std::string_view text, Document* out) {
  // EC2 user data: <powershell>...</powershell> blocks are PowerShell (embedded as such); the
  // rest, the blocks blanked, is read as before.
  if (text.find("<powershell>") == npos) return ReadShellDialect(text, ShellDialect::kPosix, out);
  std::string& rest = out->storage.emplace_back(text);
  constexpr std::string_view kOpen = "<powershell>", kClose = "</powershell>";
  for (size_t b = text.find(kOpen); b != npos; b = text.find(kOpen, b)) {
    size_t body = b + kOpen.size();
    size_t e = text.find(kClose, body);
    size_t end = e == npos ? text.size() : e;
    EmbedRange(text, body, end, "user-data.ps1", out);
    size_t stop = e == npos ? text.size() : e + kClose.size();
    for (size_t i = b; i < stop; ++i)
      if (rest[i] != '\n') rest[i] = ' ';
    b = stop;
  }
  ReadShellDialect(rest, ShellDialect::kPosix, out);
}

void ReadShellDialect(std::string_view text, ShellDialect dialect, Document* out) {
  std::vector<Command> cmds = Lexer(text, dialect).Run();
  Interpreter(text, out, dialect == ShellDialect::kPowerShell).Run(cmds);
}

std::map<std::string, size_t> ShellReferences(std::string_view text) {
  std::map<std::string, size_t> out;
  ReferencedNames(
      text, [](size_t i) { return i; }, &out);
  return out;
}

std::map<std::string, size_t> ShellTimeReads(std::string_view script) {
  Document scratch;
  std::vector<Command> cmds = Lexer(script, ShellDialect::kPosix).Run();
  Interpreter interpreter(script, &scratch, false);
  interpreter.Run(cmds);
  return interpreter.TimeReads();
}

}  // namespace ntpsweep::syntax
