#pragma once
// A minimal 64-bit little-endian ELF file for tests: one PT_LOAD over the whole file, a PT_DYNAMIC
// with a DT_NEEDED per name and a DT_STRTAB, then payload bytes (strings a YARA rule may look for).
// Enough for the DT_NEEDED parser and the exec guard's library step; it does not run.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mamori::testsupport {

inline std::string miniElf(const std::vector<std::string>& needed, const std::string& payload = {}) {
  constexpr std::size_t kEhdr = 64, kPhdr = 56;
  std::string strtab(1, '\0');
  std::vector<std::uint64_t> nameOffsets;
  for (const auto& name : needed) {
    nameOffsets.push_back(strtab.size());
    strtab += name;
    strtab.push_back('\0');
  }
  const std::uint64_t strtabOff = kEhdr + 2 * kPhdr;
  std::uint64_t dynOff = strtabOff + strtab.size();
  dynOff = (dynOff + 7) & ~std::uint64_t{7};
  std::vector<std::uint64_t> dyn;
  for (const auto offset : nameOffsets) dyn.insert(dyn.end(), {1, offset});  // DT_NEEDED
  dyn.insert(dyn.end(), {5, strtabOff, 0, 0});                               // DT_STRTAB, DT_NULL
  const std::uint64_t dynSize = dyn.size() * 8;
  std::string out(dynOff + dynSize, '\0');
  out += payload;
  auto put = [&out](std::size_t at, auto value) { std::memcpy(out.data() + at, &value, sizeof value); };
  out.replace(0, 7,
              "\x7f"
              "ELF\x02\x01\x01");
  put(16, std::uint16_t{3});   // ET_DYN
  put(18, std::uint16_t{62});  // x86-64
  put(20, std::uint32_t{1});
  put(32, std::uint64_t{kEhdr});  // e_phoff
  put(52, std::uint16_t{kEhdr});
  put(54, std::uint16_t{kPhdr});
  put(56, std::uint16_t{2});
  const std::uint64_t total = out.size();
  put(kEhdr + 0, std::uint32_t{1});  // PT_LOAD: offset 0, vaddr 0, the whole file
  put(kEhdr + 32, total);
  put(kEhdr + 40, total);
  put(kEhdr + kPhdr + 0, std::uint32_t{2});  // PT_DYNAMIC
  put(kEhdr + kPhdr + 8, dynOff);
  put(kEhdr + kPhdr + 16, dynOff);
  put(kEhdr + kPhdr + 32, dynSize);
  put(kEhdr + kPhdr + 40, dynSize);
  out.replace(strtabOff, strtab.size(), strtab);
  for (std::size_t i = 0; i < dyn.size(); ++i) put(dynOff + 8 * i, dyn[i]);
  return out;
}

}  // namespace mamori::testsupport
