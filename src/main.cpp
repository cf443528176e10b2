#include "cli/cli.h"
#include "core/malloc_policy.h"

int main(int argc, char** argv) {
  ntpsweep::ShareMallocArenas();  // before any thread: see core/malloc_policy.h
  return ntpsweep::cli::Main(argc, argv);
}
