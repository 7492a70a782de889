#pragma once
// Logging facade: one line per message on stderr ("mamori-agent[1234] warning: ..."), which journald
// picks up under systemd. Thread-safe. Levels below the threshold cost one comparison.

#include <string>
#include <string_view>

namespace mamori::common::log {

enum class Level : int { Debug = 0, Info = 1, Warning = 2, Error = 3 };

void setProgramName(std::string name);
void setLevel(Level level);
bool parseLevel(std::string_view name, Level& out);
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void debug(std::string_view m) {
  if (enabled(Level::Debug)) write(Level::Debug, m);
}
inline void info(std::string_view m) { write(Level::Info, m); }
inline void warning(std::string_view m) { write(Level::Warning, m); }
inline void error(std::string_view m) { write(Level::Error, m); }

}  // namespace mamori::common::log
