// What a browser (or anyone) sends the console's server side: the Cookie header, the URL path of a
// console file, a user name, a new password. Invariants: a resolved file lies inside the root; a
// cookie value never spans a ';'.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "collector/console/PasswordHash.h"
#include "collector/console/Sessions.h"
#include "collector/console/StaticFiles.h"
#include "common/Result.h"

namespace {

namespace fs = std::filesystem;

// One small console folder (index.html, assets/app.js, a symlink out of it) for the whole run.
const fs::path& root() {
  static const fs::path made = [] {
    char pattern[] = "/tmp/mamori-fuzz-console-XXXXXX";
    const fs::path dir = ::mkdtemp(pattern);
    fs::create_directories(dir / "dist" / "assets");
    std::ofstream(dir / "dist" / "index.html") << "<!doctype html>";
    std::ofstream(dir / "dist" / "assets" / "app.js") << "x";
    std::ofstream(dir / "secret") << "s";
    fs::create_symlink(dir / "secret", dir / "dist" / "assets" / "out.js");
    static const fs::path removeAtExit = dir;
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(removeAtExit, ignored);
    });
    return fs::canonical(dir / "dist");
  }();
  return made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  const std::string value = mamori::collector::console::cookieValue(text, mamori::collector::console::kSessionCookie);
  MAMORI_ASSERT(value.find(';') == std::string::npos);
  if (auto file = mamori::collector::console::resolveStaticPath(root(), "/" + text)) {
    const std::string inside = file->string();
    MAMORI_ASSERT(inside.rfind(root().string() + "/", 0) == 0);
    MAMORI_ASSERT(fs::is_regular_file(*file));
  }
  (void)mamori::collector::console::resolveStaticPath(root(), text);
  (void)mamori::collector::console::isValidUserName(text);
  (void)mamori::collector::console::canonicalRole(text);
  (void)mamori::collector::console::passwordProblem(text);
  return 0;
}
