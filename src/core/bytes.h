// Names are bytes: a file name may hold a newline, an escape character or bytes that are not
// UTF-8. These keep such names safe on a terminal and whole in JSON.
#pragma once

#include <string>
#include <string_view>

namespace ntpsweep {

// `s` with control characters (U+0000-U+001F, U+007F) written as \n, \r, \t or \xHH, so a
// name cannot break a line of text output or drive the terminal. Everything else is unchanged.
std::string EscapeControls(std::string_view s);

// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view s);

// RFC 4648 base64 with padding, and back (false on a character outside the alphabet).
std::string Base64Encode(std::string_view bytes);
bool Base64Decode(std::string_view text, std::string* bytes);

}  // namespace ntpsweep
