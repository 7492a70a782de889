#include "common/JsonPointer.h"

namespace mamori::common {

std::string jsonPointerAppend(const std::string& base, std::string_view token) {
  std::string out = base;
  out.reserve(base.size() + token.size() + 1);
  out += '/';
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace mamori::common
