// Path globs for rules and excludes: '*' and '?' stay inside one path segment, '**' spans
// segments, "[abc]" is a class. A pattern without '/' matches the last segment anywhere.
#pragma once

#include <string_view>

namespace ntpsweep {

bool GlobMatch(std::string_view pattern, std::string_view path);

}  // namespace ntpsweep
