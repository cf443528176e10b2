// Facts x rules -> raw matches. Knows targets and rules, not files or reports.
#pragma once

#include <string_view>
#include <vector>

#include "core/line_index.h"
#include "host/target.h"
#include "rules/rule.h"
#include "syntax/syntax.h"

namespace ntpsweep::rules {

struct RawMatch {
  const Rule* rule = nullptr;
  size_t offset = 0;  // byte offset of the host text in the document
  size_t length = 0;
  size_t target = 0;
  host::MatchKind kind = host::MatchKind::kExact;
  bool commented = false;
  bool templated = false;
  std::string_view directive;
  bool escaped = false;  // free text wrote the host with escaped separators (10\.0\.0\.1)
  size_t time_read = syntax::Fact::kNoRead;  // a variable's value reaches a time source there
};

struct ByteRange {
  size_t offset = 0;
  size_t length = 0;
};

// Matches directive rules (all of one syntax) against the facts a reader produced. Every host
// argument examined is added to `host_ranges`, so free-text matching can defer to the daemon's
// reading of those spans.
void MatchDirectives(const std::vector<const Rule*>& rules, const std::vector<syntax::Fact>& facts,
                     const host::TargetSet& targets, std::vector<RawMatch>* out,
                     std::vector<ByteRange>* host_ranges);

// Whether the line holding `offset` starts (after blanks) with one of a regex rule's comment
// characters or prefixes (`comment:`).
// `lines`, where given, finds the line's start (asked in order along `text`: see LineStartCursor).
bool LineStartsCommented(const Rule& rule, std::string_view text, size_t offset,
                         LineStartCursor* lines = nullptr);

// The pattern every match of a regex rule needs: its `within` block where it has one (its
// statement pattern may match nearly any text), else its regex. Gates and sets test this one.
const Regex& RegexGate(const Rule& rule);

// The parts of `text` a regex rule searches: each `body` group of its `within` pattern, or all
// of the text.
std::vector<ByteRange> RegexRegions(const Rule& rule, std::string_view text);

void MatchRegex(const Rule& rule, std::string_view text, const host::TargetSet& targets,
                std::vector<RawMatch>* out);

// `text` as regex rules and sniffs read it: RE2's `$` stands before '\n' only, so each '\r' of a
// CRLF is a blank (same length: every offset holds), copied into `storage`; `text` if it has none.
std::string_view CrlfAsBlanks(std::string_view text, std::string* storage);

// Whether a regex rule spells '\r' itself (PowerShell's backtick before \r?\n): it reads the text
// as written.
bool SpellsCarriageReturn(const Rule& rule);

// The catch-all: every mention of a target in free text.
void MatchText(const Rule& rule, std::string_view text, const host::TargetSet& targets,
               std::vector<RawMatch>* out);

// Whether `rule` reads `fact`: section, directive/key names, key-path globs.
bool NamesFact(const Rule& rule, const syntax::Fact& fact);

// The argument tokens of `fact` that hold hosts under `rule` (before `split`).
std::vector<syntax::Token> HostTokens(const Rule& rule, const syntax::Fact& fact);

// ${NAME:-H}, ${NAME-H}, ${NAME:=H} as a whole argument: the range of H, the value used where
// NAME is unset (shell, Dockerfile, compose files, templates); {0, 0} where the token is no such
// expansion.
ByteRange ExpansionDefault(std::string_view token);

// The host part of a host argument: strips URL scheme/path/userinfo, brackets and a port.
ByteRange HostPart(std::string_view token, bool urls);

}  // namespace ntpsweep::rules
