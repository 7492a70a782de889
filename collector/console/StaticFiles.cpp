#include "collector/console/StaticFiles.h"

#include <algorithm>
#include <system_error>

namespace mamori::collector::console {

namespace fs = std::filesystem;

std::optional<fs::path> resolveStaticPath(const fs::path& canonicalRoot, const std::string& urlPath) {
  if (urlPath.empty() || urlPath.front() != '/' || urlPath.find('\0') != std::string::npos ||
      urlPath.find('\\') != std::string::npos) {
    return std::nullopt;
  }
  std::string relative = urlPath.substr(1);
  if (relative.empty() || relative.back() == '/') relative += "index.html";
  const fs::path candidate(relative);
  for (const auto& part : candidate) {
    if (part == ".." || part == "." || part.has_root_path()) return std::nullopt;
  }
  std::error_code error;
  const fs::path resolved = fs::canonical(canonicalRoot / candidate, error);
  if (error) return std::nullopt;
  // Symlinks inside the tree may point anywhere: the canonical path must still be under the root.
  const auto [rootEnd, _] = std::mismatch(canonicalRoot.begin(), canonicalRoot.end(), resolved.begin(), resolved.end());
  if (rootEnd != canonicalRoot.end()) return std::nullopt;
  if (!fs::is_regular_file(resolved, error) || error) return std::nullopt;
  return resolved;
}

std::string contentTypeFor(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::string cacheControlFor(const std::string& urlPath) {
  if (urlPath.rfind("/assets/", 0) == 0) return "public, max-age=31536000, immutable";
  return "no-cache";
}

const std::vector<std::pair<std::string, std::string>>& securityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  return kHeaders;
}

}  // namespace mamori::collector::console
