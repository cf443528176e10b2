// Paths inside what is scanned (an archive, a layer, a file system), resolved lexically and
// never above its root: no member name or link leads out of the input.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace ntpsweep::input {

// The directory part of `path` with its trailing '/': "etc/ntp.conf" -> "etc/", "x" -> "".
std::string DirOf(const std::string& path);

// Member names as stored: "./etc//x" -> "etc/x". Leading "/" and "../" segments are dropped;
// `unsafe` tells that a ".." or absolute name was seen.
std::string NormalizeMemberName(std::string_view name, bool* unsafe);

// The target of a symbolic link at `link`, resolved lexically inside the root that holds both
// (an archive, a layer, a file system): an absolute target starts at that root and ".." never
// climbs above it. Links are followed through `links` (path -> target), at most 8 hops; "" for
// a loop.
std::string ResolveInsideRoot(const std::string& link, const std::string& target);
std::string FollowLinks(const std::map<std::string, std::string>& links, const std::string& link);

}  // namespace ntpsweep::input
