#include "inspect/Quarantine.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "common/Crypto.h"
#include "common/Files.h"
#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "common/UniqueFd.h"

namespace mamori::inspect {

namespace {

constexpr std::string_view kMagic = "MAMORIQ1";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHeaderBytes = 8 + kSaltBytes + 4;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kChunk = 1 << 20;
constexpr std::uint32_t kMaxRecord = kChunk + 4096;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

using Key = std::array<unsigned char, 32>;

common::Result<Key> deriveKey(const std::string& passphrase, std::string_view salt, std::uint32_t iterations) {
  Key key{};
  if (PKCS5_PBKDF2_HMAC(passphrase.data(), static_cast<int>(passphrase.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha256(), static_cast<int>(key.size()), key.data()) != 1)
    return common::makeError("key derivation failed");
  return key;
}

std::array<unsigned char, 12> nonceFor(std::uint64_t index) {
  std::array<unsigned char, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[static_cast<std::size_t>(11 - i)] = static_cast<unsigned char>(index >> (8 * i));
  return nonce;
}

void putU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFFU);
}

std::uint32_t getU32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24U) | (std::uint32_t{p[1]} << 16U) | (std::uint32_t{p[2]} << 8U) | p[3];
}

// encrypt == true: plaintext in, ciphertext||tag out; false: ciphertext||tag in, plaintext out.
common::Result<std::string> seal(bool encrypt, const Key& key, std::uint64_t index, std::string_view header,
                                 std::string_view in) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return common::makeError("out of memory");
  const auto nonce = nonceFor(index);
  if (!encrypt && in.size() < kTagBytes) return common::makeError("a record is shorter than its tag");
  const std::string_view body = encrypt ? in : in.substr(0, in.size() - kTagBytes);
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data(), encrypt ? 1 : 0) != 1)
    return common::makeError("cipher setup failed");
  int len = 0;
  if (EVP_CipherUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(header.data()),
                       static_cast<int>(header.size())) != 1)
    return common::makeError("cipher failed");
  std::string out(body.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_CipherUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(body.data()),
                       static_cast<int>(body.size())) != 1)
    return common::makeError("cipher failed");
  if (!encrypt) {
    std::array<unsigned char, kTagBytes> tag{};
    std::memcpy(tag.data(), in.data() + body.size(), kTagBytes);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) != 1)
      return common::makeError("cipher failed");
  }
  int tail = 0;
  if (EVP_CipherFinal_ex(ctx.get(), o + len, &tail) != 1)
    return common::makeError("wrong passphrase, or the archive was changed or damaged");
  if (encrypt) {
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), o + body.size()) != 1)
      return common::makeError("cipher failed");
    return out;
  }
  out.resize(body.size());
  return out;
}

}  // namespace

struct QuarantineWriter::State {
  std::string path;
  common::UniqueFd fd;
  std::string header;
  Key key{};
  std::uint64_t next = 0;
  bool finished = false;

  common::Status record(char type, std::string_view payload) {
    std::string plain(1, type);
    plain.append(payload);
    auto sealed = seal(true, key, next++, header, plain);
    if (!sealed) return sealed.error();
    std::string framed;
    putU32(framed, static_cast<std::uint32_t>(sealed.value().size()));
    framed += sealed.value();
    return common::writeAll(fd.get(), framed, path);
  }
};

QuarantineWriter::QuarantineWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

QuarantineWriter::~QuarantineWriter() {
  // An unfinished archive is useless (no end marker) and must not look like a complete one.
  if (state_ && !state_->finished) ::unlink(state_->path.c_str());
}

common::Result<std::unique_ptr<QuarantineWriter>> QuarantineWriter::create(const std::string& archivePath,
                                                                           const std::string& passphrase) {
  if (passphrase.size() < 8) return common::makeError("the quarantine passphrase is shorter than 8 characters");
  auto state = std::make_unique<State>();
  state->path = archivePath;
  state->fd = common::UniqueFd(::open(archivePath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!state->fd.valid()) return common::makeError("cannot create the quarantine archive", archivePath, errno);
  std::string salt(kSaltBytes, '\0');
  common::randomBytes(reinterpret_cast<unsigned char*>(salt.data()), salt.size());
  state->header = std::string(kMagic) + salt;
  putU32(state->header, kQuarantineIterations);
  auto key = deriveKey(passphrase, salt, kQuarantineIterations);
  if (!key) return key.error();
  state->key = key.value();
  if (auto ok = common::writeAll(state->fd.get(), state->header, archivePath); !ok) return ok.error();
  return std::unique_ptr<QuarantineWriter>(new QuarantineWriter(std::move(state)));
}

common::Result<QuarantinedFile> QuarantineWriter::add(const std::string& path) {
  common::UniqueFd in(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!in.valid()) return common::makeError("cannot open", path, errno);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) return common::makeError("not a regular file", path);
  common::Sha256 hash;
  // The header first (its sha256 field is filled from a first pass so extraction can check it).
  std::string data;
  std::string chunk(kChunk, '\0');
  std::int64_t total = 0;
  for (;;) {
    auto n = common::readAtMost(in.get(), chunk.data(), chunk.size());
    if (!n) return common::makeError(n.error().message, path, n.error().sysErrno);
    if (n.value() == 0) break;
    hash.update(std::string_view(chunk.data(), n.value()));
    total += static_cast<std::int64_t>(n.value());
  }
  QuarantinedFile file{path, hash.hex(), total};
  auto header = common::json::object();
  common::json::set(header, "path", common::json::string(path));
  common::json::set(header, "size", common::json::integer(total));
  common::json::set(header, "mode", common::json::integer(st.st_mode & 07777));
  common::json::set(header, "sha256", common::json::string(file.sha256));
  if (auto ok = state_->record('H', common::json::write(header, common::json::Style::kCanonical)); !ok)
    return ok.error();
  if (::lseek(in.get(), 0, SEEK_SET) != 0) return common::makeError("cannot rewind", path, errno);
  std::int64_t written = 0;
  while (written < total) {
    auto n = common::readAtMost(in.get(), chunk.data(),
                                static_cast<std::size_t>(std::min<std::int64_t>(total - written, kChunk)));
    if (!n) return common::makeError(n.error().message, path, n.error().sysErrno);
    if (n.value() == 0) return common::makeError("the file shrank while it was quarantined", path);
    if (auto ok = state_->record('D', std::string_view(chunk.data(), n.value())); !ok) return ok.error();
    written += static_cast<std::int64_t>(n.value());
  }
  return file;
}

common::Status QuarantineWriter::finish() {
  if (auto ok = state_->record('Z', {}); !ok) return ok.error();
  if (::fsync(state_->fd.get()) != 0) return common::makeError("cannot flush", state_->path, errno);
  state_->finished = true;
  return common::Ok{};
}

common::Result<std::vector<QuarantinedFile>> extractQuarantine(const std::string& archivePath,
                                                               const std::string& passphrase,
                                                               const std::string& outDir) {
  common::UniqueFd in(::open(archivePath.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return common::makeError("cannot open", archivePath, errno);
  std::string header(kHeaderBytes, '\0');
  auto got = common::readAtMost(in.get(), header.data(), header.size());
  if (!got || got.value() != kHeaderBytes || header.compare(0, kMagic.size(), kMagic) != 0)
    return common::makeError("not a mamori quarantine archive", archivePath);
  const std::uint32_t iterations = getU32(reinterpret_cast<const unsigned char*>(header.data()) + 8 + kSaltBytes);
  if (iterations < 1000 || iterations > 100'000'000)
    return common::makeError("implausible iteration count", archivePath);
  auto key = deriveKey(passphrase, std::string_view(header).substr(8, kSaltBytes), iterations);
  if (!key) return key.error();
  if (auto made = common::makeDirectories(outDir); !made) return made.error();
  std::vector<QuarantinedFile> files;
  common::UniqueFd out;
  common::Sha256 hash;  // of the file being extracted
  std::string target;
  std::int64_t remaining = 0;
  auto closeFile = [&]() -> common::Status {
    if (!out.valid()) return common::Ok{};
    if (remaining != 0) return common::makeError("a file in the archive is incomplete", target);
    if (hash.hex() != files.back().sha256) return common::makeError("SHA-256 differs", target);
    out.reset();
    return common::Ok{};
  };
  for (std::uint64_t index = 0;; ++index) {
    std::array<char, 4> lenBytes{};
    auto n = common::readAtMost(in.get(), lenBytes.data(), 4);
    if (!n) return n.error();
    if (n.value() != 4) return common::makeError("the archive is truncated (no end marker)", archivePath);
    const std::uint32_t length = getU32(reinterpret_cast<const unsigned char*>(lenBytes.data()));
    if (length > kMaxRecord) return common::makeError("a record is too large: the archive is damaged", archivePath);
    std::string sealed(length, '\0');
    auto r = common::readAtMost(in.get(), sealed.data(), length);
    if (!r || r.value() != length) return common::makeError("the archive is truncated", archivePath);
    auto plain = seal(false, key.value(), index, header, sealed);
    if (!plain) return common::makeError(plain.error().message, archivePath);
    const std::string& p = plain.value();
    if (p.empty()) return common::makeError("an empty record", archivePath);
    const std::string_view payload = std::string_view(p).substr(1);
    if (p[0] == 'Z') {
      if (auto ok = closeFile(); !ok) return ok.error();
      return files;
    }
    if (p[0] == 'H') {
      if (auto ok = closeFile(); !ok) return ok.error();
      auto parsed = common::parseJsonStrict(payload);
      if (!parsed) return common::makeError("a damaged file header", archivePath);
      const auto* path = parsed.value().find("path");
      const auto* size = parsed.value().find("size");
      const auto* sha = parsed.value().find("sha256");
      if (path == nullptr || size == nullptr || sha == nullptr || !size->isInteger() || size->text.size() > 18)
        return common::makeError("a damaged file header", archivePath);
      std::string relative = path->text;
      while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
      if (relative.empty() || ("/" + relative + "/").find("/../") != std::string::npos)
        return common::makeError("refusing a path that leaves the output folder", path->text);
      target = outDir + "/" + relative;
      if (auto made = common::makeDirectories(target.substr(0, target.find_last_of('/'))); !made) return made.error();
      out = common::UniqueFd(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out.valid()) return common::makeError("cannot create", target, errno);
      remaining = std::stoll(size->text);
      files.push_back({path->text, sha->text, remaining});
      continue;
    }
    if (p[0] == 'D' && out.valid()) {
      if (static_cast<std::int64_t>(payload.size()) > remaining)
        return common::makeError("more data than announced", target);
      if (auto ok = common::writeAll(out.get(), payload, target); !ok) return ok.error();
      hash.update(payload);
      remaining -= static_cast<std::int64_t>(payload.size());
      continue;
    }
    return common::makeError("an unknown record", archivePath);
  }
}

}  // namespace mamori::inspect
