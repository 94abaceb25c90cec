#include "consumer/process_signals.h"

#include <atomic>
#include <csignal>

namespace auditstream {
namespace {

std::atomic<bool> stopFlag{false};    // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
std::atomic<bool> reloadFlag{false};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

extern "C" void onStop(int /*signal*/) { stopFlag = true; }
extern "C" void onReload(int /*signal*/) { reloadFlag = true; }

}  // namespace

void ProcessSignals::install() {
  struct sigaction stop {};
  stop.sa_handler = onStop;
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  struct sigaction reload {};
  reload.sa_handler = onReload;
  sigaction(SIGHUP, &reload, nullptr);
}

bool ProcessSignals::stopRequested() { return stopFlag.load(); }

bool ProcessSignals::takeReloadRequest() { return reloadFlag.exchange(false); }

}  // namespace auditstream
