// The entry boundary: whatever goes wrong while one entry is analysed (std::bad_alloc on a
// hostile input, a reader's bug that throws) ends that entry with a notice naming it, never the
// scan. Exceptions stay at this boundary; inside the scan loop errors are values.
#pragma once

#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "core/types.h"

namespace ntpsweep::scan {

// The notice for an entry whose analysis stopped: `analysis-failed`, a warning (the rest of the
// scan went on, this entry's findings may be incomplete).
inline Notice AnalysisFailed(const Location& location, const std::string& why) {
  return Notice{Notice::Level::kWarning,
                "analysis-failed",
                location,
                0,
                0,
                location.Render() + ": analysis stopped (" + why +
                    "); findings in this entry may be missing, the scan went on"};
}

// Runs `analyse`; an exception out of it becomes an `analysis-failed` notice for `location`.
// False when it did not run through.
template <class Fn>
bool GuardEntry(const Location& location, std::vector<Notice>* notices, Fn&& analyse) {
  try {
    std::forward<Fn>(analyse)();
    return true;
  } catch (const std::bad_alloc&) {
    notices->push_back(AnalysisFailed(location, "out of memory"));
  } catch (const std::exception& e) {
    notices->push_back(AnalysisFailed(location, std::string("internal error: ") + e.what()));
  } catch (...) {
    notices->push_back(AnalysisFailed(location, "internal error"));
  }
  return false;
}

}  // namespace ntpsweep::scan
