/* ntpsweep:ignore -- a test vector, not a server */
static const char *kOldServer = "192.0.2.10";
static const char *kFallback = "ntp-old.corp.example.net";  // ntpsweep:ignore
static const char *kStill = "192.0.2.10";
