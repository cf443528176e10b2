#include "syntax/powershell.h"

#include "syntax/shell.h"

namespace ntpsweep::syntax {

void ReadPowerShell(std::string_view text, Document* out) {
  ReadShellDialect(text, ShellDialect::kPowerShell, out);
}

}  // namespace ntpsweep::syntax
