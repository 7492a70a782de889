#include "fingerprint/SetIndex.h"

#include <algorithm>
#include <bit>

#include "fingerprint/ArtifactFields.h"

namespace mamori::fingerprint {

std::uint32_t SetIndex::le32(std::uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) return v;
  return __builtin_bswap32(v);
}

std::uint64_t SetIndex::le64(std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) return v;
  return __builtin_bswap64(v);
}

unsigned SetIndex::bucketBitsFor(std::uint64_t count) {
  // About 16 to 32 records per bucket: a lookup's binary search stays within four cache lines, and
  // the directory costs a quarter of a byte per entry (1 MiB for the 8 million values of a
  // 1,000,000-row table; 8 to 16 records took 2 MiB for a search one step shorter).
  const auto bits = static_cast<unsigned>(std::bit_width(count));
  return std::min(bits > 5 ? bits - 5 : 0U, kMaxBucketBits);
}

std::uint64_t SetIndex::tableBytes(std::uint64_t count, unsigned bucketBits) {
  if (bucketBits > kMaxBucketBits || count > (std::uint64_t{1} << 40U)) return UINT64_MAX;  // never a real size
  const std::uint64_t directory = ((std::uint64_t{1} << bucketBits) + 1) * 4;
  return (directory + 7) / 8 * 8 + count * 8;
}

unsigned SetIndex::fragmentBits() const { return std::min(64 - payloadBits_, 64 - bucketBits_); }

std::uint64_t SetIndex::fragmentOf(std::uint64_t hash) const {
  const unsigned bits = fragmentBits();
  const std::uint64_t below = bucketBits_ == 0 ? hash : hash << bucketBits_;
  return bits == 0 ? 0 : below >> (64 - bits);
}

SetIndex SetIndex::build(std::vector<Entry> entries, unsigned payloadBits, std::uint64_t maxPerHash) {
  MAMORI_ASSERT(payloadBits <= kMaxPayloadBits);
  SetIndex index;
  index.payloadBits_ = payloadBits;
  index.bucketBits_ = bucketBitsFor(entries.size());
  // Sort by (bucket, record): the record keeps the fragment and payload, so sorting by it inside a
  // bucket is sorting by what the lookup compares.
  struct Packed {
    std::uint64_t bucket;
    std::uint64_t record;
    bool operator<(const Packed& o) const { return bucket != o.bucket ? bucket < o.bucket : record < o.record; }
    bool operator==(const Packed& o) const = default;
  };
  std::vector<Packed> packed;
  packed.reserve(entries.size());
  for (const auto& e : entries) {
    const std::uint64_t bucket = index.bucketBits_ == 0 ? 0 : e.hash >> (64 - index.bucketBits_);
    packed.push_back({bucket, (index.fragmentOf(e.hash) << payloadBits) | (e.payload & index.payloadMask())});
  }
  entries.clear();
  entries.shrink_to_fit();
  std::sort(packed.begin(), packed.end());
  packed.erase(std::unique(packed.begin(), packed.end()), packed.end());
  if (maxPerHash < packed.size()) {
    // The records of one hash are adjacent (same bucket, same fragment): keep the short runs only.
    std::size_t kept = 0;
    for (std::size_t from = 0; from < packed.size();) {
      std::size_t to = from + 1;
      while (to < packed.size() && packed[to].bucket == packed[from].bucket &&
             packed[to].record >> payloadBits == packed[from].record >> payloadBits)
        ++to;
      if (to - from <= maxPerHash)
        for (std::size_t i = from; i < to; ++i) packed[kept++] = packed[i];
      from = to;
    }
    packed.resize(kept);
  }
  // Fewer entries after removing duplicates may want fewer bucket bits; the few it could save are
  // not worth a second pass.
  index.count_ = packed.size();
  auto storage = std::make_shared<std::string>();
  storage->reserve(tableBytes(index.count_, index.bucketBits_));
  const std::uint64_t buckets = std::uint64_t{1} << index.bucketBits_;
  std::size_t next = 0;
  for (std::uint64_t b = 0; b <= buckets; ++b) {
    while (next < packed.size() && packed[next].bucket < b) ++next;
    artifact::putLittleEndian(*storage, next, 4);
  }
  while (storage->size() % 8 != 0) storage->push_back('\0');
  for (const auto& p : packed) artifact::putLittleEndian(*storage, p.record, 8);
  index.bytes_ = storage->size();
  index.base_ = reinterpret_cast<const unsigned char*>(storage->data());  // NOLINT: byte view
  index.records_ = index.base_ + (index.bytes_ - index.count_ * 8);
  index.storage_ = std::move(storage);
  return index;
}

common::Result<SetIndex> SetIndex::view(std::shared_ptr<const std::string> storage, std::size_t offset,
                                        std::uint64_t count, unsigned bucketBits, unsigned payloadBits,
                                        const std::string& where) {
  if (bucketBits > kMaxBucketBits || payloadBits > kMaxPayloadBits)
    return artifact::corrupt("bucket bits " + std::to_string(bucketBits) + " or payload bits " +
                                 std::to_string(payloadBits) + " out of range",
                             where);
  if (count > (std::uint64_t{1} << 32U) - 1) return artifact::corrupt("too many entries", where);
  const std::uint64_t bytes = tableBytes(count, bucketBits);
  if (offset > storage->size() || storage->size() - offset < bytes)
    return artifact::corrupt("the table of " + std::to_string(count) + " entries runs past the end", where);
  SetIndex index;
  index.count_ = count;
  index.bucketBits_ = bucketBits;
  index.payloadBits_ = payloadBits;
  index.bytes_ = bytes;
  index.base_ = reinterpret_cast<const unsigned char*>(storage->data()) + offset;  // NOLINT: byte view
  index.records_ = index.base_ + (bytes - count * 8);
  const std::uint64_t buckets = std::uint64_t{1} << bucketBits;
  if (index.directoryAt(0) != 0 || index.directoryAt(buckets) != count)
    return artifact::corrupt("the directory does not span the records", where);
  const unsigned used = index.fragmentBits() + payloadBits;
  const std::uint64_t unused = used >= 64 ? 0 : ~std::uint64_t{0} << used;
  for (std::uint64_t b = 0; b < buckets; ++b) {
    const std::uint32_t from = index.directoryAt(b);
    const std::uint32_t to = index.directoryAt(b + 1);
    if (to < from || to > count)
      return artifact::corrupt("directory entry " + std::to_string(b + 1) + " is out of order", where);
    for (std::uint64_t i = from; i < to; ++i) {
      const std::uint64_t r = index.record(i);
      if ((r & unused) != 0)
        return artifact::corrupt("record " + std::to_string(i) + " has bits set beyond its fields", where);
      if (i > from && r <= index.record(i - 1))
        return artifact::corrupt("record " + std::to_string(i) + " is out of order", where);
    }
  }
  index.storage_ = std::move(storage);
  return index;
}

std::string_view SetIndex::bytes() const {
  return {reinterpret_cast<const char*>(base_), bytes_};  // NOLINT: byte view
}

void SetIndex::addFilter() {
  // About 8 bits an entry (2^(bit width + 3)), at least two words, never more than 2^28 bits. Each
  // entry sets two bits of one 64-bit word (a blocked filter): the word from the hash's top bits, the
  // two bits from the next two 6-bit fields, so a lookup still reads one word, and a hash not in the
  // table finds both its bits set about one time in twenty instead of one in nine. The fields come
  // from the bits a record keeps of the hash (bucket and fragment: at least 24 beyond the bucket's);
  // a table keeping too few for the second field sets one bit an entry.
  const unsigned known = std::min(64U, bucketBits_ + fragmentBits());
  const unsigned bits = std::max(7U, std::min({static_cast<unsigned>(std::bit_width(count_)) + 3U, known, 28U}));
  const bool two = bits + 6 <= known;
  auto filter = std::make_shared<std::vector<std::uint64_t>>((std::uint64_t{1} << bits) / 64, 0);
  const unsigned fragment = fragmentBits();
  const std::uint64_t buckets = std::uint64_t{1} << bucketBits_;
  for (std::uint64_t b = 0; b < buckets; ++b) {
    for (std::uint64_t i = directoryAt(b), end = directoryAt(b + 1); i < end; ++i) {
      // The hash's top `known` bits: the bucket, then the record's fragment.
      const std::uint64_t top =
          fragment >= 64 ? record(i) >> payloadBits_ : (b << fragment) | (record(i) >> payloadBits_);
      const std::uint64_t word = top >> (known - (bits - 6));
      const std::uint64_t first = (top >> (known - bits)) & 63U;
      const std::uint64_t second = two ? (top >> (known - bits - 6)) & 63U : first;
      (*filter)[word] |= (std::uint64_t{1} << first) | (std::uint64_t{1} << second);
    }
  }
  filterWordShift_ = 64 - (bits - 6);
  filterSecondShift_ = two ? filterWordShift_ - 12 : filterWordShift_ - 6;
  filter_ = std::move(filter);
}

std::pair<std::uint64_t, std::uint64_t> SetIndex::find(std::uint64_t hash) const {
  if (count_ == 0 || !mayHold(hash)) return {0, 0};
  return findHeld(hash);
}

std::pair<std::uint64_t, std::uint64_t> SetIndex::findHeld(std::uint64_t hash) const {
  const std::uint64_t bucket = bucketBits_ == 0 ? 0 : hash >> (64 - bucketBits_);
  const std::uint64_t from = directoryAt(bucket);
  const std::uint64_t to = directoryAt(bucket + 1);
  // Both ends by binary search: a value many rows share (a common name) is a long run of records in
  // one bucket, and walking it record by record made such a lookup cost hundreds of reads.
  const std::uint64_t fragment = fragmentOf(hash);
  const std::uint64_t lo = firstAtLeast(from, to, fragment << payloadBits_);
  // Most lookups find nothing (a candidate value that is not in the set): the record found is
  // another fragment's, and no second search is needed.
  if (lo == to || record(lo) >> payloadBits_ != fragment) return {lo, lo};
  // The highest fragment of a full 64-bit record has no next value to search for: the bucket's end is.
  if (fragmentBits() + payloadBits_ >= 64 && fragment == (~std::uint64_t{0} >> payloadBits_)) return {lo, to};
  return {lo, firstAtLeast(lo, to, (fragment + 1) << payloadBits_)};
}

void SetIndex::findMany(const std::uint64_t* hashes, std::size_t count,
                        std::pair<std::uint64_t, std::uint64_t>* ranges) const {
  constexpr std::size_t kGroup = 16;
  constexpr std::size_t kLine = 64;
  if (count_ == 0) {
    for (std::size_t i = 0; i < count; ++i) ranges[i] = {0, 0};
    return;
  }
  // The filter (1 MiB for a million entries) is larger than the first cache levels, and most of what
  // is looked up is answered by it alone: its words are prefetched a group ahead, so their misses
  // overlap too (each hash's bit was a miss waited for in turn).
  const auto prefetchFilter = [&](std::size_t from) {
    if (!filter_) return;
    for (std::size_t i = from, end = std::min(count, from + kGroup); i < end; ++i)
      __builtin_prefetch(filter_->data() + (hashes[i] >> filterWordShift_));
  };
  prefetchFilter(0);
  bool hold[kGroup];
  for (std::size_t begin = 0; begin < count; begin += kGroup) {
    const std::size_t end = std::min(count, begin + kGroup);
    prefetchFilter(begin + kGroup);
    for (std::size_t i = begin; i < end; ++i) {
      hold[i - begin] = mayHold(hashes[i]);
      if (!hold[i - begin]) continue;
      const std::uint64_t bucket = bucketBits_ == 0 ? 0 : hashes[i] >> (64 - bucketBits_);
      __builtin_prefetch(base_ + bucket * 4);
    }
    for (std::size_t i = begin; i < end; ++i) {
      if (!hold[i - begin]) continue;
      const std::uint64_t bucket = bucketBits_ == 0 ? 0 : hashes[i] >> (64 - bucketBits_);
      // A bucket's records span a few cache lines (16 to 32 records of 8 bytes); a larger one (many
      // rows sharing a value) is searched without help.
      const unsigned char* from = records_ + std::size_t{directoryAt(bucket)} * 8;
      const unsigned char* to = records_ + std::size_t{directoryAt(bucket + 1)} * 8;
      if (to - from > static_cast<std::ptrdiff_t>(8 * kLine)) to = from + 8 * kLine;
      for (const unsigned char* line = from; line < to; line += kLine) __builtin_prefetch(line);
    }
    for (std::size_t i = begin; i < end; ++i)
      ranges[i] = hold[i - begin] ? findHeld(hashes[i]) : std::pair<std::uint64_t, std::uint64_t>{0, 0};
  }
}

std::uint64_t SetIndex::firstAtLeast(std::uint64_t lo, std::uint64_t hi, std::uint64_t value) const {
  // Without branches on the records (a lookup's comparisons go either way at random, and each
  // mispredicted branch cost more than the comparison): the range halves by a conditional move.
  if (lo >= hi) return lo;
  std::uint64_t base = lo;
  for (std::uint64_t n = hi - lo; n > 1;) {
    const std::uint64_t half = n / 2;
    base += static_cast<std::uint64_t>(record(base + half) < value) * half;
    n -= half;
  }
  return base + static_cast<std::uint64_t>(record(base) < value);
}

}  // namespace mamori::fingerprint
