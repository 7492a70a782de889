#pragma once
// The lookup table of a signed set (docs/decisions/0035): (64-bit keyed hash, payload) entries held as
// fixed-width 8-byte records in one contiguous byte buffer that the matcher searches in place, so an
// artifact read from disk is used as it is, with no decoding into other structures.
//
// Layout (little-endian): a directory of 2^bucketBits + 1 u32 offsets (bucket b's records are
// [dir[b], dir[b+1]), the bucket being the hash's top bucketBits bits), padded to 8 bytes, then the
// records. A record is (fragment << payloadBits) | payload, where the fragment is the next
// fragmentBits bits of the hash below the bucket's; records are sorted and distinct in each bucket.
// A bucket holds about 16 to 32 records (bucketBits follows the count), so the directory costs about
// a quarter of a byte per entry and a lookup is one directory read and a binary search over a few
// records (tables built with other bucket bits, such as 8 to 16 records a bucket, are read the same).
// At least 24 hash bits remain below the bucket (payloadBits <= 40), so a value that is not in the
// set finds a record only with a probability of count / 2^(bucketBits + fragmentBits).

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::fingerprint {

class SetIndex {
 public:
  static constexpr unsigned kMaxPayloadBits = 40;
  static constexpr unsigned kMaxBucketBits = 24;

  struct Entry {
    std::uint64_t hash = 0;
    std::uint64_t payload = 0;  // < 2^payloadBits
  };

  SetIndex() = default;

  // Builds the table (entries in any order; duplicates, also those that differ only in hash bits the
  // records do not keep, are stored once). A hash with more than maxPerHash distinct payloads is not
  // stored at all (an exact-data-match value shared by more rows than the matcher uses).
  static SetIndex build(std::vector<Entry> entries, unsigned payloadBits, std::uint64_t maxPerHash = UINT64_MAX);
  // The bucket bits build() chooses for count entries.
  static unsigned bucketBitsFor(std::uint64_t count);
  // Bytes of the table for count entries with bucketBits (directory, padding, records).
  static std::uint64_t tableBytes(std::uint64_t count, unsigned bucketBits);

  // A view of a table stored at storage[offset, offset + tableBytes(count, bucketBits)), checked:
  // directory monotone and ending at count, records strictly increasing in each bucket, no bits set
  // above fragment and payload. storage is kept alive by the view. where names the table in errors.
  static common::Result<SetIndex> view(std::shared_ptr<const std::string> storage, std::size_t offset,
                                       std::uint64_t count, unsigned bucketBits, unsigned payloadBits,
                                       const std::string& where);

  std::uint64_t size() const { return count_; }
  unsigned bucketBits() const { return bucketBits_; }
  unsigned payloadBits() const { return payloadBits_; }
  // The table's bytes as an artifact stores them.
  std::string_view bytes() const;
  std::uint64_t payloadAt(std::uint64_t i) const { return record(i) & payloadMask(); }

  // The records whose hash bits equal hash's, as [first, last) record numbers (record numbers are
  // unique per stored entry: use them to count distinct entries).
  std::pair<std::uint64_t, std::uint64_t> find(std::uint64_t hash) const;
  // find() of count hashes into ranges[0, count). The same answers, faster for many: a lookup in a
  // large table waits on a cache miss for the directory and two or three more for the records, so
  // the hashes are looked up in groups whose directory entries and bucket records are prefetched
  // together, and their misses overlap instead of following one another.
  void findMany(const std::uint64_t* hashes, std::size_t count, std::pair<std::uint64_t, std::uint64_t>* ranges) const;

  // A bit table in front of find() and findMany() (docs/decisions/0063, 0069): about 8 bits an entry
  // (1 MiB for a million entries); each entry sets two bits of one 64-bit word chosen by its hash. A
  // hash whose two bits are not both set is answered empty at once, without the directory and the
  // bucket's cache misses; about one in twenty that are not in the table still finds them set (one
  // in nine with a bit an entry, as before decision 0069). The answers
  // are the same, except that such an empty range may be {0, 0} instead of the position find() gives
  // without it (callers use only what lies in a range). Made when a scanner loads a set whose lookups
  // mostly find nothing (document fingerprints); copies share it.
  void addFilter();
  std::size_t filterBytes() const { return filter_ ? filter_->size() * 8 : 0; }

 private:
  std::uint64_t payloadMask() const {
    return payloadBits_ >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << payloadBits_) - 1;
  }
  unsigned fragmentBits() const;
  // The first record number in [lo, hi) whose record is >= value (hi when none).
  std::uint64_t firstAtLeast(std::uint64_t lo, std::uint64_t hi, std::uint64_t value) const;
  std::uint64_t fragmentOf(std::uint64_t hash) const;
  // find() of a hash the filter lets through (or with no filter), in a table of at least one entry.
  std::pair<std::uint64_t, std::uint64_t> findHeld(std::uint64_t hash) const;
  std::uint32_t directoryAt(std::uint64_t bucket) const {
    std::uint32_t v;
    std::memcpy(&v, base_ + bucket * 4, 4);
    return le32(v);
  }
  std::uint64_t record(std::uint64_t i) const {
    std::uint64_t v;
    std::memcpy(&v, records_ + i * 8, 8);
    return le64(v);
  }
  static std::uint32_t le32(std::uint32_t v);
  static std::uint64_t le64(std::uint64_t v);

  bool mayHold(std::uint64_t hash) const {
    if (!filter_) return true;
    const std::uint64_t want = (std::uint64_t{1} << ((hash >> (filterWordShift_ - 6)) & 63U)) |
                               (std::uint64_t{1} << ((hash >> filterSecondShift_) & 63U));
    return ((*filter_)[hash >> filterWordShift_] & want) == want;
  }

  std::shared_ptr<const std::string> storage_;
  std::shared_ptr<const std::vector<std::uint64_t>> filter_;
  unsigned filterWordShift_ = 63;           // a hash's word of the filter: hash >> filterWordShift_
  unsigned filterSecondShift_ = 57;         // its second bit's field (the first is just below the word's)
  const unsigned char* base_ = nullptr;     // the directory
  const unsigned char* records_ = nullptr;  // count_ records
  std::uint64_t count_ = 0;
  std::size_t bytes_ = 0;
  unsigned bucketBits_ = 0;
  unsigned payloadBits_ = 0;
};

}  // namespace mamori::fingerprint
