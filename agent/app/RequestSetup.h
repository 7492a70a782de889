#pragma once
// Exception requests (docs/admin.md "Exception requests"): the employees' socket, whose callers are
// named by peerUser (in the agent their peer credentials, drivers/linux/PeerCredentials), in front of
// the request desk (agent/device/ExceptionRequests) and the device capability.

#include <memory>
#include <string>

#include "agent/app/DeviceControlSetup.h"
#include "agent/device/ExceptionRequests.h"
#include "agent/guard/RequestServer.h"

namespace mamori::agent {

class RequestSetup {
 public:
  RequestSetup(const std::string& socketPath, guard::RequestServer::PeerUser peerUser, Transport& transport,
               IdentityStore& identity, const std::string& host, EventSink& sink, DeviceControlCapability& devices,
               const std::string& statePath);

  // Listens on the socket.
  common::Status start() { return server_.start(); }
  // The "exception_answers" of a policy poll.
  void onAnswers(const std::string& answersJson) { requests_.onAnswers(answersJson); }

 private:
  device::ExceptionRequests requests_;
  guard::RequestServer server_;
};

}  // namespace mamori::agent
