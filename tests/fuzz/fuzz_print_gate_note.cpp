// The print gate's note (agent/activity/PrintRelease): `mamori-agent printing release` reads it as root
// from the agent's state folder after a crash, so a truncated, damaged or planted file must be refused
// cleanly. A note that parses is written back as the same note.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/activity/PrintRelease.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mamori::agent::activity::parsePrintGateNote;
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  auto note = parsePrintGateNote(text);
  if (note) {
    const auto again = parsePrintGateNote(mamori::agent::activity::printGateNoteText(note.value()));
    MAMORI_ASSERT(again.ok() && again.value() == note.value());
  }
  return 0;
}
