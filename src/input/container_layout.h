// Container images stored as directories (container_layout.cpp): an OCI image layout or an
// extracted `docker save`. Their blobs are read through the content table (input/dispatch.h).
#pragma once

#include <string>

#include "input/input.h"

namespace ntpsweep::input {

// A directory holding an image: an OCI layout (`oci-layout` + `index.json` + `blobs/`) or an
// extracted `docker save` (`manifest.json` naming layer tars). Reads it and returns true; false
// when the directory is not an image. `display` is its location.
bool ScanImageLayoutDir(const std::string& fs_dir, const std::string& display,
                        const WalkOptions& options, EntrySink& sink);
bool OpenImageLayoutOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink);

}  // namespace ntpsweep::input
