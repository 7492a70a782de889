#include "collector/server/ApiTypes.h"

#include <Poco/JSONString.h>

namespace mamori::collector::server {

std::string jsonString(const std::string& text) { return Poco::toJSON(text); }

ApiResponse jsonError(int status, const std::string& what, const std::string& where) {
  ApiResponse response;
  response.status = status;
  response.body = "{\"error\":" + jsonString(what) + ",\"where\":" + jsonString(where) + "}";
  response.audit.detail = where.empty() ? what : what + " (" + where + ")";
  return response;
}

}  // namespace mamori::collector::server
