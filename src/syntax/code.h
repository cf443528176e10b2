// Program source (Go, Python, Ruby, JavaScript/TypeScript, Java, Kotlin, C/C++, Rust, PHP): a
// light lexer, not a parser. It knows strings (escapes, triple quotes, raw strings, template
// literals, %w[] word lists, heredocs skipped), comments, identifiers and the operators that
// bind a value to a name: `=`, `:=`, `:`, `=>`, `||=`, `#define NAME`.
//
// Facts: one per binding whose value holds string literals, named by the name as written
// (`DefaultNTPServer`, `cfg.ntp_servers`, a dict key `"ntp_server"`, a subscript
// `default['ntp']['servers']` as `default.ntp.servers`); its arguments are the strings of the
// value: one literal, a list/array/slice/set literal (`["a", "b"]`, `[]string{"a"}`,
// `{"a", "b"}`, `List.of("a")`, `vec!["a"]`, `%w[a b]`), the fallback of an environment lookup
// (`os.getenv("NTP", "a")`, `process.env.NTP || "a"`). Strings in comments are never facts.
// Every construct is found with one forward scan: unterminated strings, raw strings and heredocs
// end at the end of the text.
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadCode(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
