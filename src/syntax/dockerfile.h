// Dockerfile / Containerfile reader; see dockerfile.cpp for the facts it emits.
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadDockerfile(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
