#include "agent/guard/TokenCheck.h"

#include <algorithm>

#include "common/Crypto.h"

namespace mamori::agent::guard {

namespace {
std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}
}  // namespace

common::Result<std::string> parseTokenHash(std::string_view hashFileText, const std::string& path) {
  const std::string_view text = trim(hashFileText);
  std::string digest(text.substr(0, text.find_first_of(" \t\r\n")));
  std::transform(digest.begin(), digest.end(), digest.begin(),
                 [](char c) { return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c; });
  const bool hex = std::all_of(digest.begin(), digest.end(),
                               [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (digest.size() != 64 || !hex) {
    return common::makeError("expects the SHA-256 of the token as 64 hex digits (sha256sum output)", path);
  }
  return digest;
}

bool tokenMatches(std::string_view token, const std::string& expectedHexDigest) {
  const std::string_view trimmed = trim(token);
  if (trimmed.empty()) return false;
  return common::constantTimeEquals(common::sha256Hex(trimmed), expectedHexDigest);
}

}  // namespace mamori::agent::guard
