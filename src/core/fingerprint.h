// Content fingerprints ("ntpsweep/v1" in SARIF partialFingerprints): what a baseline and the
// ignore file match findings on. They leave the line number out, so a finding whose line moved
// (lines added or removed above it) keeps its fingerprint; editing the line itself changes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace ntpsweep {

inline constexpr std::string_view kFingerprintName = "ntpsweep/v1";

// 64-bit FNV-1a: small, fixed and documented, so shards (scan/shard.h) and fingerprints are the
// same on every machine and in every version.
uint64_t Fnv1a64(std::string_view data, uint64_t seed = 0xcbf29ce484222325ull);

// The line with leading/trailing white space removed and inner runs of white space collapsed
// to one space: re-indenting a line does not change a fingerprint.
std::string NormalizeLine(std::string_view line);

// `location` with its outermost path relative to the absolute scan root `root` (ScanRootPath,
// core/file.h): what fingerprints, baselines and SARIF URIs name, whatever the operands were.
Location ScanRootLocation(const Location& location, const std::string& root);

// hex16(FNV-1a("ntpsweep/v1" NUL rule NUL path NUL matched NUL normalized-line)) + ":" + n,
// path being the location relative to the scan root `root` (ScanRootLocation; "" takes the
// location as it is) and n counting (from 1, in line/column order) findings with the same hash,
// so two identical lines in one file stay distinct. Sets Finding::fingerprint on every finding;
// `findings` must be in report order (SortFindings, core/result.h).
void AssignFingerprints(std::vector<Finding>* findings, const std::string& root = "");

}  // namespace ntpsweep
