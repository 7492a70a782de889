#include "agent/app/RequestSetup.h"

namespace mamori::agent {

namespace {

guard::ControlAnswer toAnswer(const device::RequestReply& reply) {
  using Outcome = device::RequestReply::Outcome;
  return {reply.outcome == Outcome::kOk        ? guard::ControlOutcome::Ok
          : reply.outcome == Outcome::kRefused ? guard::ControlOutcome::Refused
                                               : guard::ControlOutcome::Error,
          reply.text};
}

}  // namespace

RequestSetup::RequestSetup(const std::string& socketPath, guard::RequestServer::PeerUser peerUser, Transport& transport,
                           IdentityStore& identity, const std::string& host, EventSink& sink,
                           DeviceControlCapability& devices, const std::string& statePath)
    : requests_(
          transport, identity, host, sink, [&devices] { return devices.blockedDevices(); },
          [&devices](const std::string& response) { return devices.acceptResponse(response); }, statePath),
      server_(socketPath, std::move(peerUser),
              [this](const guard::ControlRequest& request, const std::string& user, guard::RequestServer::Reply reply) {
                if (request.command == guard::ControlCommand::Devices) {
                  return reply({guard::ControlOutcome::Ok, requests_.devicesJson()});
                }
                auto ask = guard::parseRequestArgument(request.argument);
                if (!ask) return reply({guard::ControlOutcome::Refused, ask.error().message});
                ask.value().user = user;
                requests_.submit(ask.value(), [reply = std::move(reply)](const device::RequestReply& answer) {
                  reply(toAnswer(answer));
                });
              }) {}

}  // namespace mamori::agent
