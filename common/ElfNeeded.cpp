#include "common/ElfNeeded.h"

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace mamori::common {

namespace {

constexpr std::size_t kMaxNeeded = 256;

template <typename T>
bool load(std::string_view bytes, std::uint64_t offset, T& out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));  // little-endian host (x86-64, arm64): as stored
  return true;
}

struct Layout64 {
  using Addr = std::uint64_t;
  static constexpr std::size_t kPhoff = 32, kPhentsize = 54, kPhnum = 56;
  static constexpr std::size_t kPType = 0, kPOffset = 8, kPVaddr = 16, kPFilesz = 32;
  static constexpr std::size_t kDynSize = 16;
};
struct Layout32 {
  using Addr = std::uint32_t;
  static constexpr std::size_t kPhoff = 28, kPhentsize = 42, kPhnum = 44;
  static constexpr std::size_t kPType = 0, kPOffset = 4, kPVaddr = 8, kPFilesz = 16;
  static constexpr std::size_t kDynSize = 8;
};

constexpr std::uint32_t kPtLoad = 1;
constexpr std::uint32_t kPtDynamic = 2;
constexpr std::int64_t kDtNull = 0;
constexpr std::int64_t kDtNeeded = 1;
constexpr std::int64_t kDtStrtab = 5;

template <typename L>
common::Result<std::vector<std::string>> parse(std::string_view bytes) {
  using Addr = typename L::Addr;
  Addr phoff = 0;
  std::uint16_t phentsize = 0;
  std::uint16_t phnum = 0;
  if (!load(bytes, L::kPhoff, phoff) || !load(bytes, L::kPhentsize, phentsize) || !load(bytes, L::kPhnum, phnum))
    return common::makeError("truncated ELF header");
  struct Segment {
    std::uint32_t type;
    Addr offset, vaddr, filesz;
  };
  std::vector<Segment> loads;
  std::optional<Segment> dynamic;
  if (phentsize < L::kPFilesz + sizeof(Addr)) return common::makeError("implausible program header size");
  for (std::uint32_t i = 0; i < phnum; ++i) {
    const std::uint64_t base = std::uint64_t{phoff} + std::uint64_t{i} * phentsize;
    Segment s{};
    if (!load(bytes, base + L::kPType, s.type) || !load(bytes, base + L::kPOffset, s.offset) ||
        !load(bytes, base + L::kPVaddr, s.vaddr) || !load(bytes, base + L::kPFilesz, s.filesz))
      return common::makeError("truncated program headers");
    if (s.type == kPtLoad) loads.push_back(s);
    if (s.type == kPtDynamic) dynamic = s;
  }
  if (!dynamic) return std::vector<std::string>{};  // static executable: needs nothing
  // The string table is named by address; a PT_LOAD segment says where that address is in the file.
  auto fileOffset = [&](std::uint64_t vaddr) -> std::optional<std::uint64_t> {
    for (const auto& s : loads)
      if (vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz) return std::uint64_t{s.offset} + (vaddr - s.vaddr);
    return std::nullopt;
  };
  std::vector<std::uint64_t> neededOffsets;
  std::optional<std::uint64_t> strtab;
  for (std::uint64_t at = dynamic->offset; at + L::kDynSize <= std::uint64_t{dynamic->offset} + dynamic->filesz;
       at += L::kDynSize) {
    Addr tag = 0;
    Addr value = 0;
    if (!load(bytes, at, tag) || !load(bytes, at + sizeof(Addr), value))
      return common::makeError("truncated dynamic section");
    const auto signedTag = static_cast<std::int64_t>(tag);
    if (signedTag == kDtNull) break;
    if (signedTag == kDtNeeded && neededOffsets.size() < kMaxNeeded) neededOffsets.push_back(value);
    if (signedTag == kDtStrtab) strtab = fileOffset(value);
  }
  if (neededOffsets.empty()) return std::vector<std::string>{};
  if (!strtab) return common::makeError("the dynamic string table is outside the file");
  std::vector<std::string> out;
  for (const auto offset : neededOffsets) {
    const std::uint64_t at = *strtab + offset;
    if (at < *strtab || at >= bytes.size()) return common::makeError("a library name is outside the file");
    const auto end = bytes.find('\0', static_cast<std::size_t>(at));
    if (end == std::string_view::npos) return common::makeError("a library name does not end");
    const auto name = bytes.substr(static_cast<std::size_t>(at), end - static_cast<std::size_t>(at));
    if (name.empty() || name.size() > 255) continue;
    out.emplace_back(name);
  }
  return out;
}

}  // namespace

common::Result<std::vector<std::string>> elfNeededLibraries(std::string_view bytes) {
  if (bytes.size() < 64 || bytes.substr(0, 4) !=
                               "\x7f"
                               "ELF")
    return common::makeError("not an ELF file");
  if (bytes[5] != 1) return common::makeError("big-endian ELF is not supported");
  if (bytes[4] == 2) return parse<Layout64>(bytes);
  if (bytes[4] == 1) return parse<Layout32>(bytes);
  return common::makeError("unknown ELF class");
}

std::vector<std::string> resolveNeededLibraries(const std::string& exePath, const std::vector<std::string>& needed,
                                                const std::string& root) {
  static constexpr const char* kSystem[] = {"/lib/x86_64-linux-gnu",
                                            "/usr/lib/x86_64-linux-gnu",
                                            "/lib/aarch64-linux-gnu",
                                            "/usr/lib/aarch64-linux-gnu",
                                            "/lib64",
                                            "/usr/lib64",
                                            "/lib",
                                            "/usr/lib",
                                            "/usr/local/lib"};
  const auto slash = exePath.rfind('/');
  std::vector<std::string> folders;
  if (slash != std::string::npos) folders.push_back(exePath.substr(0, slash));
  for (const char* folder : kSystem) folders.push_back(root + folder);
  std::vector<std::string> out;
  for (const auto& name : needed) {
    if (name.rfind("libc.so", 0) == 0 || name.rfind("libm.so", 0) == 0 || name.rfind("libstdc++", 0) == 0 ||
        name.rfind("libgcc_s", 0) == 0 || name.rfind("ld-linux", 0) == 0 || name.find('/') != std::string::npos)
      continue;
    for (const auto& folder : folders) {
      char resolved[PATH_MAX];  // NOLINT(cppcoreguidelines-avoid-c-arrays): realpath's contract
      if (::realpath((folder + "/" + name).c_str(), resolved) == nullptr) continue;
      out.emplace_back(resolved);
      break;
    }
  }
  return out;
}

}  // namespace mamori::common
