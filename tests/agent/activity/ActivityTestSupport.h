#pragma once
// Byte builders for the activity tests: small zips (with the encryption flag), 7z and IPP headers.

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::agent::activity::test {

inline std::string le(std::uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8U * static_cast<unsigned>(i))) & 0xFFU));
  return out;
}

struct ZipMember {
  std::string name;
  std::string data;
  bool encrypted;
};

// Stored (uncompressed) members; CRCs are zero (the readers here do not check them).
inline std::string storedZip(const std::vector<ZipMember>& members) {
  std::string local;
  std::string central;
  for (const auto& m : members) {
    const std::uint64_t offset = local.size();
    const std::uint64_t flags = m.encrypted ? 1 : 0;
    local += "PK\x03\x04" + le(20, 2) + le(flags, 2) + le(0, 2) + le(0, 4) + le(0, 4) + le(m.data.size(), 4) +
             le(m.data.size(), 4) + le(m.name.size(), 2) + le(0, 2) + m.name + m.data;
    central += "PK\x01\x02" + le(20, 2) + le(20, 2) + le(flags, 2) + le(0, 2) + le(0, 4) + le(0, 4) +
               le(m.data.size(), 4) + le(m.data.size(), 4) + le(m.name.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) +
               le(0, 2) + le(0, 4) + le(offset, 4) + m.name;
  }
  return local + central + "PK\x05\x06" + le(0, 2) + le(0, 2) + le(members.size(), 2) + le(members.size(), 2) +
         le(central.size(), 4) + le(local.size(), 4) + le(0, 2);
}

inline std::string sevenZip(bool aes) {
  const std::string packed = "PACKEDDATA";
  const std::string header =
      aes ? std::string("\x17\x06\x00\x04\x06\xF1\x07\x01\x00", 9) : std::string("\x01\x04\x06\x00", 4);
  return std::string("7z\xBC\xAF\x27\x1C\x00\x04", 8) + le(0, 4) + le(packed.size(), 8) + le(header.size(), 8) +
         le(0, 4) + packed + header;
}

inline std::string ipp(int tag, const std::string& name, const std::string& value) {
  return std::string(1, static_cast<char>(tag)) + static_cast<char>(name.size() >> 8U) +
         static_cast<char>(name.size() & 0xFFU) + name + static_cast<char>(value.size() >> 8U) +
         static_cast<char>(value.size() & 0xFFU) + value;
}

inline std::string int32(std::int64_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  return {static_cast<char>(u >> 24U), static_cast<char>((u >> 16U) & 0xFFU), static_cast<char>((u >> 8U) & 0xFFU),
          static_cast<char>(u & 0xFFU)};
}

// What cupsd writes in c<job>: an IPP message with the job's attributes.
inline std::string controlFile(const std::string& user, const std::string& title, const std::string& printerUri,
                               std::int64_t jobId, std::int64_t pages) {
  std::string bytes = std::string("\x02\x00\x00\x00\x00\x00\x00\x01\x01", 9);
  bytes += ipp(0x47, "attributes-charset", "utf-8");
  bytes += "\x02";
  bytes += ipp(0x21, "job-id", int32(jobId));
  bytes += ipp(0x42, "job-originating-user-name", user);
  bytes += ipp(0x42, "job-name", title);
  bytes += ipp(0x45, "job-printer-uri", printerUri);
  bytes += ipp(0x44, "document-format", "application/pdf");
  bytes += ipp(0x44, "", "additional-value");
  if (pages >= 0) bytes += ipp(0x21, "job-impressions-completed", int32(pages));
  bytes += "\x03";
  return bytes;
}

}  // namespace mamori::agent::activity::test
