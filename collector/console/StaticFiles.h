#pragma once
// The console's built assets (console/dist) served from one directory. A URL path is mapped to a
// file only when the canonical file lies inside the canonical root: "..", encoded dots, symlinks
// out of the tree and absolute paths all end at 404.

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mamori::collector::console {

// The file under canonicalRoot that urlPath (already percent-decoded) names, or nullopt. "/" is
// index.html. Only regular files are returned.
std::optional<std::filesystem::path> resolveStaticPath(const std::filesystem::path& canonicalRoot,
                                                       const std::string& urlPath);

// Content-Type by extension; application/octet-stream for unknown ones.
std::string contentTypeFor(const std::filesystem::path& file);

// Cache-Control for a console URL: content-hashed files under /assets/ never change, everything
// else (index.html) is revalidated so a new build is picked up at once.
std::string cacheControlFor(const std::string& urlPath);

// The headers every console answer carries: a strict Content-Security-Policy (no inline script or
// style), nosniff, no referrer, no framing.
const std::vector<std::pair<std::string, std::string>>& securityHeaders();

}  // namespace mamori::collector::console
