// Key = value files: systemd INI, generic INI, Java .properties, and the line-by-line reading of
// TOML that the TOML reader falls back on.
#pragma once

#include <string_view>
#include <vector>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

// systemd unit-style INI: facts are Key (with its [Section]); no inline comments.
void ReadIni(std::string_view text, Document* out);

// A generic INI dialect. Facts are named by key path "section.key" (Fact::section holds the
// section), "key[]" when the value is a [list]; values are split into words, quotes removed,
// list brackets and commas dropped. A commented-out "key = value" line is a commented fact.
struct KeyValueSyntax {
  std::string_view comment_chars = "#;";  // a line starting with one of these is a comment
  std::string_view separators = "=:";     // the first of these after the key ends it
  bool inline_comments = true;            // " #" / " ;" after the value starts a comment
  bool array_tables = false;              // TOML [[name]]: the keys of a list item, "name[]"
  bool quoted_sections = false;           // TOML ["a.b"]: quotes in headers group a name
};
void ReadKeyValueLines(std::string_view text, const KeyValueSyntax& syntax, Document* out);

// Generic INI (*.ini): [section], key = value or key: value, ';' and '#' comments.
void ReadIniData(std::string_view text, Document* out);

// Java .properties: key=value, key: value or key value; '#'/'!' comments; backslash escapes and
// line continuations (decoded values keep their source spans).
void ReadProperties(std::string_view text, Document* out);

// The words of a value ("a", 'b', [ "c", "d" ], e, f): quotes, brackets and commas dropped.
void ValueWords(std::string_view value, size_t base, bool inline_comments, std::vector<Token>* out);

}  // namespace ntpsweep::syntax
