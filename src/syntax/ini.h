#pragma once

#include <string_view>
#include <vector>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

std::vector<Fact> ReadIni(std::string_view text);

}  // namespace ntpsweep::syntax
