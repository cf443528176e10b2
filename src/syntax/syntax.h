// Readers turn one text document into facts: "directive `server` with arguments ... at offset N".
// A reader knows the syntax of one family of files and nothing of targets or rules.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace ntpsweep::syntax {

// One argument as written, quotes removed; `offset` is the byte offset in the document.
struct Token {
  std::string_view text;
  size_t offset = 0;
};

struct Fact {
  std::string_view section;  // INI section ("Time", "Network"); empty where the syntax has none
  std::string_view name;     // directive or key, as written
  size_t name_offset = 0;
  std::vector<Token> args;   // arguments; for key=value syntaxes the value split on white space
  bool commented = false;    // read from a commented-out line ("# server 10.0.0.1")
  size_t line_offset = 0;    // byte offset of the start of the line
};

using ReadFn = std::vector<Fact> (*)(std::string_view text);

struct SyntaxInfo {
  std::string_view name;         // stable id used by rules: "ntp-conf", "chrony", ...
  std::string_view description;  // one line for `ntpsweep rules` listings and docs
  ReadFn read;
};

// Every syntax the binary knows; adding a syntax is adding a reader file and a line here.
const std::vector<SyntaxInfo>& Syntaxes();
const SyntaxInfo* FindSyntax(std::string_view name);

}  // namespace ntpsweep::syntax
