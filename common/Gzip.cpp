#include "common/Gzip.h"

#include <zlib.h>

#include <memory>

namespace mamori::common {

namespace {
constexpr int kGzipWindowBits = 15 + 16;  // 15-bit window, gzip wrapper

struct DeflateDeleter {
  void operator()(z_stream* s) const {
    deflateEnd(s);
    delete s;
  }
};
struct InflateDeleter {
  void operator()(z_stream* s) const {
    inflateEnd(s);
    delete s;
  }
};
}  // namespace

std::string gzipCompress(std::string_view data, int level) {
  auto* raw = new z_stream{};
  MAMORI_ASSERT(deflateInit2(raw, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::unique_ptr<z_stream, DeflateDeleter> stream(raw);
  std::string out;
  out.resize(deflateBound(stream.get(), static_cast<uLong>(data.size())) + 32);
  stream->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));  // NOLINT: zlib's API is not const
  stream->avail_in = static_cast<uInt>(data.size());
  stream->next_out = reinterpret_cast<Bytef*>(out.data());  // NOLINT: byte buffer
  stream->avail_out = static_cast<uInt>(out.size());
  MAMORI_ASSERT(deflate(stream.get(), Z_FINISH) == Z_STREAM_END);
  out.resize(stream->total_out);
  return out;
}

Result<std::string> gzipDecompress(std::string_view data, std::size_t maxOutput) {
  auto* raw = new z_stream{};
  if (inflateInit2(raw, kGzipWindowBits) != Z_OK) {
    delete raw;
    return makeError("cannot start gzip decoder");
  }
  std::unique_ptr<z_stream, InflateDeleter> stream(raw);
  stream->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));  // NOLINT: zlib's API is not const
  stream->avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[64 * 1024];
  for (;;) {
    stream->next_out = reinterpret_cast<Bytef*>(chunk);  // NOLINT: byte buffer
    stream->avail_out = sizeof chunk;
    const int rc = inflate(stream.get(), Z_NO_FLUSH);
    const std::size_t produced = sizeof chunk - stream->avail_out;
    if (out.size() + produced > maxOutput) {
      return makeError(ErrorKind::kTooLarge, "gzip body inflates to more than " + std::to_string(maxOutput) + " bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) {
      if (stream->avail_in != 0) return makeError(ErrorKind::kCorrupt, "trailing bytes after the gzip stream");
      return out;
    }
    if (rc != Z_OK) {
      return makeError(ErrorKind::kCorrupt,
                       std::string("corrupt gzip data: ") + (stream->msg != nullptr ? stream->msg : "inflate failed"));
    }
    if (stream->avail_in == 0 && produced == 0) return makeError(ErrorKind::kCorrupt, "truncated gzip data");
  }
}

}  // namespace mamori::common
