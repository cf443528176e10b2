// libFuzzer target: one syntax reader (NTPSWEEP_FUZZ_SYNTAX, e.g. "yaml") through
// syntax::ReadDocument, and the documents it embeds with the same reader, a few levels deep.
// Checks that every fact and diagnostic points inside the document.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "syntax/syntax.h"
#include "syntax/template.h"

namespace {

void Check(const ntpsweep::syntax::Document& doc, size_t size) {
  for (const auto& f : doc.facts) {
    if (f.name_offset > size || f.line_offset > size) __builtin_trap();
    for (const auto& t : f.args)
      if (t.offset > size || (t.verbatim() && t.offset + t.text.size() > size)) __builtin_trap();
  }
  for (const auto& d : doc.diagnostics)
    if (d.offset > size) __builtin_trap();
  for (const auto& e : doc.embedded)
    if (e.outer_offset > size) __builtin_trap();
}

void Read(const ntpsweep::syntax::SyntaxInfo& info, std::string_view path, std::string_view text,
          int depth) {
  ntpsweep::syntax::Document doc;
  ntpsweep::syntax::ReadDocument(info, path, text, &doc);
  Check(doc, text.size());
  if (depth >= 3) return;
  for (const auto& e : doc.embedded) Read(info, e.path, e.text, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ntpsweep::syntax::SyntaxInfo* info =
      ntpsweep::syntax::FindSyntax(NTPSWEEP_FUZZ_SYNTAX);
  if (!info) __builtin_trap();
  Read(*info, NTPSWEEP_FUZZ_PATH, std::string_view(reinterpret_cast<const char*>(data), size), 0);
  return 0;
}
