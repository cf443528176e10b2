#pragma once

namespace ntpsweep::cli {

// Runs the command line; returns the process exit code (0 clean, 1 findings, 2 errors).
int Main(int argc, char** argv);

}  // namespace ntpsweep::cli
