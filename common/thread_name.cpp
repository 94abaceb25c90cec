#include "common/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <string>

namespace auditstream {

void nameThisThread(std::string_view name) {
  constexpr std::size_t kLinuxLimit = 15;  // 16 bytes with the terminating NUL
  const std::string cut(name.substr(0, std::min(name.size(), kLinuxLimit)));
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace auditstream
