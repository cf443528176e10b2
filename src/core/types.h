// The small vocabulary every room shares: locations, spans, severities, findings and notices.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ntpsweep {

enum class Severity { kNone = 0, kNote = 1, kWarning = 2, kError = 3 };
std::string_view SeverityName(Severity s);  // "none", "note", "warning", "error"
std::optional<Severity> ParseSeverity(std::string_view s);

// Where an entry lives: the operand-relative path of the outermost file, then one element per
// nesting level (archive member, layer, partition). Rendered with '!' between levels.
struct Location {
  std::vector<std::string> chain;

  std::string Render() const;  // "disk.vmdk!p1/etc/chrony.conf"; '!' inside a part is "!!" (docs/inputs.md)
  const std::string& Leaf() const { return chain.back(); }
  bool operator==(const Location&) const = default;
  auto operator<=>(const Location&) const = default;
};

// A 1-based line/column range inside one text entry. Columns count Unicode code points;
// end_column is exclusive (SARIF semantics).
struct Span {
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t end_line = 0;
  uint32_t end_column = 0;
  size_t offset = 0;  // byte offset of the start in the entry
  size_t length = 0;  // bytes
};

// Why a finding matters: what a daemon or build would do with the text it sits in.
enum class Activity {
  kActive,        // a daemon or build acts on it
  kReference,     // names the server without using it as a source (restrict, allow, fudge)
  kCommented,     // inside a comment
  kBackupCopy,    // *.bak, *.dpkg-old, *.rpmsave, /usr/share/<pkg>/ pristine copies ...
  kMention,       // free text of unknown meaning (documentation, scripts, unknown formats)
  kTemplate,      // a template, variable default or role data that renders into a config
  kShadowed,      // in an image layer that an upper layer deleted or replaced
  kCodeDefault,   // a literal in program source bound to a time-server name (a built-in default)
};
std::string_view ActivityName(Activity a);

// Another place that explains a finding: the template that renders a variable, the file a
// Dockerfile COPY installs.
struct RelatedLocation {
  Location location;
  Span span;
  std::string message;
};

// Why a finding is not to be acted on: an inline `ntpsweep:ignore` comment (in source) or an
// entry of the ignore file (external). SARIF suppression kinds.
struct Suppression {
  enum class Kind { kInSource, kExternal };
  Kind kind = Kind::kInSource;
  std::string justification;  // the reason given, may be empty for inline markers
  std::string source;         // where it was declared: "path:line" of the marker or entry
};

// SARIF baselineState; kNone when no baseline was given.
enum class BaselineState { kNone, kNew, kUnchanged, kUpdated, kAbsent };
std::string_view BaselineStateName(BaselineState s);  // "", "new", "unchanged", ...

// One edit of `ntpsweep fix` in the file a finding is in: the bytes of `deleted` become `inserted`
// (SARIF fix: artifactChanges/replacements).
struct Replacement {
  Span deleted;
  std::string inserted;
};

struct Fix {
  std::string description;
  std::vector<Replacement> replacements;  // in the finding's own file (chain of one level)
};

struct Finding {
  std::string rule_id;
  Location location;
  Span span;
  std::string matched;      // the text of the mention, as written
  std::string target;       // the --host value it names, as the user gave it
  std::string match_kind;   // exact | in-range | embedded | short-name
  Activity activity = Activity::kActive;
  Severity severity = Severity::kWarning;
  std::string message;
  std::string line_text;    // the whole source line (no newline), for snippets and text output
  std::string directive;    // directive or key that carries the value, when known
  std::string line_hash;    // GitHub primaryLocationLineHash of the start line ("hex:n")
  std::vector<RelatedLocation> related;
  // Extra facts for machines (layer digest, partition, embedded path), sorted by key.
  std::vector<std::pair<std::string, std::string>> properties;
  // CI triage (report/fingerprint, scan/suppress, report/baseline): the content fingerprint
  // ("ntpsweep/v1"), why the finding is suppressed (if it is), and its state against a baseline.
  std::string fingerprint;
  std::optional<Suppression> suppression;
  BaselineState baseline_state = BaselineState::kNone;
  std::vector<Fix> fixes;  // ntpsweep fix: the edits that retire the server here
};

// Something the scan could not do completely: an unreadable file, a malformed config, a limit.
struct Notice {
  enum class Level { kNote, kWarning, kError };
  Level level = Level::kWarning;
  std::string id;           // stable id, e.g. "unreadable-entry", "skipped-special-file"
  Location location;        // may be empty for global notices
  uint32_t line = 0;        // 0 when not tied to a line
  uint32_t column = 0;
  std::string message;
};
std::string_view NoticeLevelName(Notice::Level l);

}  // namespace ntpsweep
