#pragma once
// One stored event as the SIEM forwarder reads it: the event's fields plus its place in ingest order.

#include <cstdint>
#include <string>
#include <tuple>

namespace mamori::collector::siem {

// Where an event sits in the collector's ingest order (docs/decisions/0011-siem-ingest-order.md):
// compared as (tx, seq). A sink's cursor is the key of the last event it acknowledged.
struct IngestKey {
  std::int64_t tx = 0;
  std::int64_t seq = 0;
  friend bool operator<(const IngestKey& a, const IngestKey& b) {
    return std::tie(a.tx, a.seq) < std::tie(b.tx, b.seq);
  }
  friend bool operator==(const IngestKey& a, const IngestKey& b) { return a.tx == b.tx && a.seq == b.seq; }
  friend bool operator!=(const IngestKey& a, const IngestKey& b) { return !(a == b); }
};

struct StoredEvent {
  IngestKey key;
  std::string id;
  std::string type;
  std::int64_t timeMs = 0;
  std::int64_t receivedMs = 0;
  int severity = 0;  // common::Severity as a number, 0 (info) .. 4 (critical)
  std::string agentId;
  std::string host;
  std::string user;
  std::string detailsJson;  // the details object as stored (JSON text)
};

}  // namespace mamori::collector::siem
