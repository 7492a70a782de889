#pragma once
// The quarantine archive: files the owner agreed to hand over, encrypted so that only the staff
// (who hold the passphrase) can open it. Format (docs/inspect.md):
//   header  "MAMORIQ1" | salt (16 bytes) | PBKDF2 iterations (u32, big-endian)
//   records u32 length (big-endian) | AES-256-GCM ciphertext | 16-byte tag
// The key is PBKDF2-HMAC-SHA256(passphrase, salt, iterations). Record i uses the nonce 0^4 || i
// (u64 big-endian) and the header as additional data, so records cannot be reordered, dropped or
// moved to another archive unnoticed; the last record is an end marker, so truncation is detected.
// Plaintext records: 'H' + JSON {path, size, mode, sha256}, 'D' + up to 1 MiB of data, 'Z' end.

#include <memory>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::inspect {

struct QuarantinedFile {
  std::string path;
  std::string sha256;
  std::int64_t size = 0;
};

class QuarantineWriter {
 public:
  // Creates archivePath (must not exist; mode 0600).
  static common::Result<std::unique_ptr<QuarantineWriter>> create(const std::string& archivePath,
                                                                  const std::string& passphrase);
  ~QuarantineWriter();
  QuarantineWriter(const QuarantineWriter&) = delete;
  QuarantineWriter& operator=(const QuarantineWriter&) = delete;

  common::Result<QuarantinedFile> add(const std::string& path);
  // Writes the end marker and flushes to disk: only then may the originals be deleted.
  common::Status finish();

 private:
  struct State;
  explicit QuarantineWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Decrypts archivePath into outDir (created): each file under outDir + its original path. Refuses
// a wrong passphrase, any modified or truncated archive, and paths with "..".
common::Result<std::vector<QuarantinedFile>> extractQuarantine(const std::string& archivePath,
                                                               const std::string& passphrase,
                                                               const std::string& outDir);

inline constexpr std::uint32_t kQuarantineIterations = 600'000;  // OWASP's 2023 figure for PBKDF2-SHA256

}  // namespace mamori::inspect
