#include "core/types.h"

namespace ntpsweep {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kNone: return "none";
    case Severity::kNote: return "note";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "none";
}

std::optional<Severity> ParseSeverity(std::string_view s) {
  if (s == "none") return Severity::kNone;
  if (s == "note") return Severity::kNote;
  if (s == "warning") return Severity::kWarning;
  if (s == "error") return Severity::kError;
  return std::nullopt;
}

std::string_view ActivityName(Activity a) {
  switch (a) {
    case Activity::kActive: return "active";
    case Activity::kReference: return "reference";
    case Activity::kCommented: return "commented-out";
    case Activity::kBackupCopy: return "backup-copy";
    case Activity::kMention: return "mention";
    case Activity::kTemplate: return "template";
    case Activity::kShadowed: return "shadowed";
    case Activity::kCodeDefault: return "code-default";
  }
  return "mention";
}

std::string_view BaselineStateName(BaselineState s) {
  switch (s) {
    case BaselineState::kNone: return "";
    case BaselineState::kNew: return "new";
    case BaselineState::kUnchanged: return "unchanged";
    case BaselineState::kUpdated: return "updated";
    case BaselineState::kAbsent: return "absent";
  }
  return "";
}

std::string_view NoticeLevelName(Notice::Level l) {
  switch (l) {
    case Notice::Level::kNote: return "note";
    case Notice::Level::kWarning: return "warning";
    case Notice::Level::kError: return "error";
  }
  return "warning";
}

std::string Location::Render() const {
  std::string out;
  for (size_t i = 0; i < chain.size(); ++i) {
    if (i) out += '!';
    // Read back, an odd run of '!' ends with the separator (docs/inputs.md): a part that starts
    // with '!' would merge into it, so it is written "./!...", the same path.
    if (i && chain[i].starts_with('!')) out += "./";
    for (char c : chain[i]) {
      out += c;
      if (c == '!') out += '!';  // doubled so the level separator stays unambiguous
    }
  }
  return out;
}

}  // namespace ntpsweep
