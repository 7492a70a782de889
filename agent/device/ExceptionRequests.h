#pragma once
// Exception requests from the PC (docs/admin.md "Exception requests"): an employee asks, through
// `mamori-agent request`, for a device the agent blocked; this sends the request to the collector
// with the agent's node key and remembers it; the answers arrive with the policy poll
// (PolicySync::exceptionAnswers). An approval is a response code of the offline exception path,
// handed to device control like a code from the inbox, so a grant is checked against the pinned
// policy key, used once and ended at expiry the same way whichever way it came.
//
// Runs on the Qt main thread (the transport answers there). Requests waiting for an answer are kept
// in a state file (agent/device/ExceptionState) like the challenges they carry, so an approval that
// arrives after a restart still opens the device.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/core/EventSink.h"
#include "agent/device/DeviceControl.h"
#include "agent/guard/ControlProtocol.h"
#include "agent/report/IdentityStore.h"
#include "agent/report/Transport.h"
#include "common/Event.h"
#include "common/Result.h"

namespace mamori::agent::device {

// What the employee asked (the request line of agent/guard/ControlProtocol.h).
using RequestAsk = guard::RequestAsk;

// The answer to `mamori-agent request`: sent (Ok), refused (unknown device, the collector said no),
// or failed (the collector cannot be reached).
struct RequestReply {
  enum class Outcome { kOk, kRefused, kFailed } outcome = Outcome::kOk;
  std::string text;
};

class ExceptionRequests {
 public:
  using Blocked = std::function<std::vector<BlockedDevice>()>;
  using Accept = std::function<common::Result<ExceptionGrantInForce>(const std::string& response)>;
  using Reply = std::function<void(RequestReply)>;

  static constexpr std::size_t kMaxPending = 16;  // remembered; the collector allows 5 waiting

  // statePath: <state>/exception-requests.json ("" = kept in memory only).
  ExceptionRequests(Transport& transport, IdentityStore& identity, std::string host, EventSink& sink, Blocked blocked,
                    Accept accept, std::string statePath = {});

  // The blocked devices as one JSON array [{"id","name"}] (the answer of `request --list`).
  std::string devicesJson() const;
  // Checks the ask, sends it, and replies once the collector answered.
  void submit(const RequestAsk& ask, Reply reply);
  // The "exception_answers" array of a policy poll: answers to requests of this run are acted on
  // once; others (an earlier run's, or handled already) are ignored.
  void onAnswers(const std::string& answersJson);

  std::size_t pendingCount() const { return pending_.size(); }

 private:
  struct Pending {
    std::string challenge;
    BlockedDevice device;
    std::string user;
  };
  void remember();
  void answered(const std::string& id, const Pending& pending, const std::string& state, std::int64_t minutes,
                const std::string& note, const std::string& decidedBy, const std::string& response);

  Transport& transport_;
  IdentityStore& identity_;
  std::string host_;
  EventSink& sink_;
  Blocked blocked_;
  Accept accept_;
  std::map<std::string, Pending> pending_;  // request id -> what was asked
  std::string statePath_;
};

}  // namespace mamori::agent::device
