#pragma once

#include <string_view>
#include <vector>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadIni(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
