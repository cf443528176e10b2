// Readers turn one text document into facts: "directive `server` with arguments ... at offset N".
// A reader knows the syntax of one family of files and nothing of targets or rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/offset_map.h"

namespace ntpsweep::syntax {

// One argument or value. `text` views the document or Document::storage (for decoded values
// such as YAML escapes); `offset` and `source_length` locate it in the document.
struct Token {
  std::string_view text;
  size_t offset = 0;
  size_t source_length = 0;  // 0: text is verbatim at offset (length text.size())
  bool expression = false;   // holds a template/shell expression ({{ x }}, <%= $x %>, $X)
  bool verbatim() const { return source_length == 0; }
};

struct Fact {
  std::string_view section;  // INI section ("Time"), YAML parent path; empty where none
  std::string_view name;     // directive or key, as written (or a key path in storage)
  size_t name_offset = 0;
  std::vector<Token> args;   // arguments; for key=value syntaxes the value split on white space
  bool commented = false;    // read from a commented-out line ("# server 10.0.0.1")
  bool templated = false;    // a template default / value rather than the deployed file
  size_t line_offset = 0;    // byte offset of the start of the line
  // Names the fact's expressions read, loop variables resolved to what they iterate
  // ({% for s in ntp_servers %}server {{ s }} -> ntp_servers); scan/linkage uses them.
  std::vector<std::string_view> variables;
  // A variable definition whose value flows into a time-source position (a time command's
  // argument, a line written into a time-daemon config): the offset of that read, else kNoRead.
  static constexpr size_t kNoRead = static_cast<size_t>(-1);
  size_t time_read = kNoRead;
};

// A document inside another one (a heredoc, write_files content, a base64 payload), read with
// the syntax its destination path selects. Its findings are mapped back to the outer document.
struct EmbeddedDocument {
  std::string path;  // destination path, e.g. "/etc/chrony/chrony.conf"; chooses the syntax
  std::string text;  // the inner document, decoded
  // Verbatim content: for each inner line start (ascending), the outer byte offset it maps to;
  // more breakpoints may follow decoded escapes (core/offset_map.h).
  // Empty means opaque (decoded) content: every inner finding maps to [outer_offset, +length).
  OffsetMap line_map;
  size_t outer_offset = 0;
  size_t outer_length = 0;
};

// A problem in the document: a clear message at a place; the scan goes on.
struct Diagnostic {
  size_t offset = 0;
  std::string message;
};

// How deep a reader follows nested blocks, collections, elements or template tags. Past it the
// reader stops descending (one Diagnostic per document, from NestingDiagnostic), skips to the
// end of the too-deep part and reads on; the text stays matched as free text. Far deeper than
// any configuration, and it keeps stack and key paths small (a path is built per level).
inline constexpr int kMaxNesting = 100;

// The message of the Diagnostic a reader emits where nesting passes kMaxNesting.
std::string NestingDiagnostic(std::string_view what);

struct Document {
  std::vector<Fact> facts;
  std::vector<EmbeddedDocument> embedded;
  std::vector<Diagnostic> diagnostics;
  std::deque<std::string> storage;  // owns decoded strings that facts view (stable addresses)
  std::string_view Keep(std::string s) { return storage.emplace_back(std::move(s)); }
};

// The token for decoded[a, b), a text decoded from `document` with breakpoints `map`
// (`if_empty`: where an opaque decoded text sits): a view of the document when those bytes are
// written there as they are, else a copy kept in `doc` that spans the bytes it was decoded from.
Token DecodedToken(std::string_view document, std::string_view decoded, const OffsetMap& map,
                   size_t if_empty, size_t a, size_t b, Document* doc);

// Embeds text[begin, end) as written (a RUN body, a %post section) for the syntax `path` selects.
void EmbedRange(std::string_view text, size_t begin, size_t end, std::string path, Document* out);

using ReadFn = void (*)(std::string_view text, Document* out);

// A directive that makes the daemon read other files with the same syntax.
struct IncludeSpec {
  std::string_view directive;  // "include", "confdir", "includefile"
  std::string_view dir_glob;   // non-empty: the argument may be a directory of files like this
  bool file_too = true;        // the argument may also be a file or a glob itself
};

struct SyntaxInfo {
  std::string_view name;         // stable id used by rules: "ntp-conf", "chrony", ...
  std::string_view description;  // one line for `ntpsweep rules` listings and docs
  ReadFn read;
  std::vector<IncludeSpec> includes = {};
  bool ignore_case = false;  // directive names (of includes) are case-insensitive
  bool decodes = false;      // reads encoded content (base64, gzip, data URLs): values not in the bytes
  bool embeds = false;       // finds documents inside its documents (heredocs, write_files, %post)
  // Records "@install" facts (Dockerfile COPY, an Ansible copy task, a Packer file), each
  // written with one of these words as a whole word, case aside (linkage looks for them).
  std::vector<std::string_view> install_words = {};
  // Facts whose first argument names a file this one runs or reads in (shell `source` and `.`,
  // kickstart `%include`): a --changed-since scan reads that file too, as installs' sources.
  std::vector<std::string_view> pulls = {};
  // Its facts are names bound to values (code, YAML, INI...): a comment that binds the host in
  // this syntax is commented-out config. (A directive-line syntax reads any line as a directive.)
  bool binds_values = false;
  // Its facts read variables in expressions written without template delimiters (HCL's
  // `servers = var.ntp_servers`): linkage cannot find them by template spans (scan/linkage.h).
  bool bare_expressions = false;
  // Paths (globs) read by another syntax of the same family: shell rules select *.ps1, which
  // the powershell syntax lexes.
  std::vector<std::pair<std::string_view, std::string_view>> dialects = {};
};

// The directories an install's relative source is looked up in, for an installer in `dir`
// (empty, or ending in '/'): `dir`, and for an Ansible task (`dir` ends in tasks/) its role's
// templates/ and files/ too.
std::vector<std::string> InstallSourceDirs(std::string_view dir);

// Every syntax the binary knows; adding a syntax is adding a reader file and a line here.
const std::vector<SyntaxInfo>& Syntaxes();
const SyntaxInfo* FindSyntax(std::string_view name);

// The syntax `path` is read with when a rule of `syntax` selects it: a dialect of its table entry
// whose glob matches (`*.ps1` -> "powershell" for "shell"), else `syntax` itself.
std::string_view ReadingSyntax(std::string_view syntax, std::string_view path);

}  // namespace ntpsweep::syntax
