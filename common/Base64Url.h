#pragma once
// base64url without padding (RFC 4648 section 5), as JWS uses it. Decoding is strict: no padding,
// no whitespace, no characters outside the alphabet, no non-zero trailing bits; so one signature
// has exactly one text form.

#include <optional>
#include <string>
#include <string_view>

namespace mamori::common {

std::string base64UrlEncode(std::string_view bytes);
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace mamori::common
