// PowerShell (*.ps1, *.psm1, Packer powershell provisioners): read by the shell reader's
// commands, assignments, writes and flow, after PowerShell's own lexing -- backtick line
// continuations and escapes, <# #> block comments, @" "@ / @' '@ here-strings, '' inside single
// quotes, backtick escapes inside double quotes, `\` as a plain character, $env:NAME.
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadPowerShell(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
