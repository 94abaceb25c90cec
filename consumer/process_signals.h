// ProcessSignals: SIGINT/SIGTERM (drain, commit, stop) and SIGHUP (reload rules) as flags the main loop
// polls. A signal handler can only reach process-wide state, so the flags are the one global this
// program has; everything else is passed in. Install once, from the main thread.
#pragma once

namespace auditstream {

class ProcessSignals {
 public:
  static void install();
  static bool stopRequested();
  // True once per SIGHUP.
  static bool takeReloadRequest();
};

}  // namespace auditstream
