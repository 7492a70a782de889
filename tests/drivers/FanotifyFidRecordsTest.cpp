// The FID-mode info records of an fanotify rename event, as bytes.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "drivers/linux/FanotifyFidRecords.h"

using mamori::drivers::linux_os::parseFidRecords;

namespace {

// One record: header (type, pad, u16 length), fsid, file_handle (u32 bytes, s32 type, bytes), name.
std::string record(int type, const std::string& handle, const std::string& name, std::size_t padding = 0) {
  std::string body(8, '\x11');  // fsid
  const auto handleBytes = static_cast<std::uint32_t>(handle.size());
  const std::int32_t handleType = 1;
  body.append(reinterpret_cast<const char*>(&handleBytes), 4);  // NOLINT: bytes of the value
  body.append(reinterpret_cast<const char*>(&handleType), 4);   // NOLINT: bytes of the value
  body += handle;
  if (!name.empty()) body += name + '\0';
  body.append(padding, '\0');
  const auto length = static_cast<std::uint16_t>(4 + body.size());
  std::string out;
  out += static_cast<char>(type);
  out += '\0';
  out.append(reinterpret_cast<const char*>(&length), 2);  // NOLINT: bytes of the value
  return out + body;
}

}  // namespace

TEST_CASE("a rename's old and new directory records are read with their names") {
  const auto parsed = parseFidRecords(record(10, "OLDHANDL", "a.txt", 3) + record(12, "NEWHANDLE", "b.txt"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed.value().size() == 2);
  CHECK(parsed.value()[0].type == 10);
  CHECK(parsed.value()[0].name == "a.txt");
  CHECK(parsed.value()[0].handle.size() == 8 + 8);
  CHECK(parsed.value()[0].fsid[0] == 0x11);
  CHECK(parsed.value()[1].type == 12);
  CHECK(parsed.value()[1].name == "b.txt");
  CHECK(parsed.value()[1].handle.substr(8) == "NEWHANDLE");
}

TEST_CASE("unknown record types are skipped by their length") {
  std::string unknown = {static_cast<char>(99), 0, 8, 0, 'x', 'x', 'x', 'x'};
  const auto parsed = parseFidRecords(unknown + record(12, "H", "c"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed.value().size() == 1);
  CHECK(parsed.value()[0].name == "c");
}

TEST_CASE("records that do not fit are refused with where") {
  const std::string good = record(12, "HANDLE", "name");
  for (const std::string& bad : {good.substr(0, 3),                       // truncated header
                                 good.substr(0, good.size() - 1),         // length past the end
                                 record(12, std::string(200, 'h'), "n"),  // a handle over MAX_HANDLE_SZ
                                 record(12, "HANDLE", "a/b"),             // not an entry name
                                 std::string({12, 0, 2, 0})}) {           // length below the header
    const auto parsed = parseFidRecords(bad);
    CHECK_FALSE(parsed.ok());
    if (!parsed.ok()) CHECK(parsed.error().where.find("fanotify info record at byte") == 0);
  }
  // A name without its NUL: the handle claims all the bytes.
  std::string noNul = record(12, "HANDLE", "");
  noNul += "name";
  noNul[2] = static_cast<char>(noNul.size());
  CHECK_FALSE(parseFidRecords(noNul).ok());
}
