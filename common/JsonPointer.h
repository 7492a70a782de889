#pragma once
// JSON pointers (RFC 6901) name the place of an error in outside input: "/events/3/severity".

#include <string>
#include <string_view>

namespace mamori::common {

// base + "/" + token, with '~' and '/' in the token escaped as "~0" and "~1".
std::string jsonPointerAppend(const std::string& base, std::string_view token);

}  // namespace mamori::common
