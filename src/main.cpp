#include "cli/cli.h"

int main(int argc, char** argv) { return ntpsweep::cli::Main(argc, argv); }
