#pragma once
// How the report pipeline talks to the collector. Asynchronous: post() returns at once and the
// answer comes later on the caller's thread (the Qt main thread), never from inside post(). The real
// transport runs HTTPS on a worker thread; tests use a scripted fake.

#include <functional>
#include <string>

#include "common/Result.h"
#include "common/net/HttpsClient.h"

namespace mamori::agent {

struct TransportRequest {
  std::string method = "POST";  // "GET" for fetches (the policy); post() sends whichever is named
  std::string path;             // "/api/v1/events"
  std::string body;             // uncompressed
  common::net::Headers headers;
  bool gzip = false;  // compress the body (off the main thread) and say Content-Encoding: gzip
  // Nothing else is due after this one (the spool is drained, only a heartbeat comes next): the
  // transport closes its connection once the answer is in, unless more requests are waiting. A
  // fleet of idle keep-alive connections would hold the collector for nothing.
  bool closeAfter = false;
};

using TransportResult = common::Result<common::net::HttpResponse>;
using TransportCallback = std::function<void(TransportResult)>;

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void post(TransportRequest request, TransportCallback done) = 0;
  // At the agent's stop: waits up to graceMs for a request on the wire; false if one had to be
  // abandoned on its thread (HttpsTransport). A transport without a thread has nothing to wait for.
  virtual bool stop(int graceMs) {
    (void)graceMs;
    return true;
  }
};

}  // namespace mamori::agent
