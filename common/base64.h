// Standard base64 (RFC 4648, with padding): Sigma's base64/base64offset modifiers and HTTP basic auth.
#pragma once

#include <string>
#include <string_view>

namespace auditstream {

std::string base64Encode(std::string_view bytes);

}  // namespace auditstream
