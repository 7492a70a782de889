#include "agent/app/RequestCommand.h"

#include <QCoreApplication>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "agent/app/CommandExit.h"
#include "agent/app/CtlCommand.h"
#include "agent/guard/ControlProtocol.h"
#include "common/CommandLine.h"
#include "common/EventJson.h"
#include "common/Utf8.h"

namespace mamori::agent {

namespace {

constexpr const char* kDefaultSocket = "/run/mamori/request.sock";

constexpr const char* kUsageText = R"(Usage: mamori-agent request --list [options]
       mamori-agent request --device ID --reason TEXT [--minutes N] [options]

Asks for a device this PC blocked: a USB device or phone, a memory card, a PCIe or Thunderbolt
drive, an optical drive (burner). The request goes to the administrators with your account name,
this PC and your reason; when one of them approves it, the device opens by itself for the time they
granted (once: plug it out and in again while the time runs, it stays usable; after that it is blocked
again). No code to read over the phone. Any local user may run it.

  --list             the blocked devices you can ask for: ID and name
  --device ID        the device to ask for (an ID from --list; also named in the block message)
  --reason TEXT      why you need it, one line (at most 1000 bytes); the administrators read it
  --minutes N        how long you need it [default: 60; at most 10080, a week]
  --socket PATH      the agent's request socket [default: /run/mamori/request.sock]
  -h, --help         show this help

When the PC cannot reach the collector, ask your help desk for the offline code instead
(mamori-agent exception CODE, run by an administrator).

Exit status:
  0  the request was sent (it waits for an answer), or the list was shown
  1  the agent or the collector cannot be reached, or the agent failed
  2  usage error
  3  refused: no such blocked device, too many requests waiting, or the collector said no
)";

constexpr const char* kCommand = "mamori-agent request";

int usageError(const std::string& message) { return common::usageError(kCommand, message); }

int printDevices(const std::string& json) {
  auto parsed = common::parseJson(json, "devices");
  if (!parsed || parsed.value().type() != typeid(Poco::JSON::Array::Ptr)) {
    std::fprintf(stderr, "%sthe agent's list is not readable\n", common::messagePrefix(kCommand).c_str());
    return kExitRuntime;
  }
  const auto array = parsed.value().extract<Poco::JSON::Array::Ptr>();
  if (array->size() == 0) {
    std::printf("No device is blocked on this PC now.\n");
    return kExitOk;
  }
  std::printf("%-12s %s\n", "ID", "DEVICE");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto item = array->getObject(static_cast<unsigned>(i));
    if (item.isNull()) continue;
    // The names come from the device's own descriptors: shown with invisible characters made visible.
    std::printf("%-12s %s\n", common::visibleText(item->optValue<std::string>("id", "")).c_str(),
                common::visibleText(item->optValue<std::string>("name", "")).c_str());
  }
  std::printf("\nAsk with: mamori-agent request --device ID --reason \"why you need it\"\n");
  return kExitOk;
}

}  // namespace

int runRequestCommand(int argc, char* argv[]) {
  bool list = false;
  guard::RequestAsk ask;
  std::string socket = kDefaultSocket;
  common::CommandLine line;
  line.flag("--list", list)
      .text("--device", ask.deviceId)
      .text("--reason", ask.reason)
      .integer("--minutes", 1, guard::kMaxRequestMinutes, ask.minutes)
      .text("--socket", socket);
  if (auto done = common::parseOrExit(line, {argv + 2, argv + argc}, kCommand, kUsageText)) return *done;
  const bool reasonGiven = !ask.reason.empty();
  guard::ControlRequest request;
  if (list) {
    if (!ask.deviceId.empty() || reasonGiven) return usageError("--list takes no --device or --reason");
    request.command = guard::ControlCommand::Devices;
  } else {
    if (ask.deviceId.empty()) return usageError("--device ID is required (--list shows the blocked devices)");
    if (!reasonGiven) return usageError("--reason TEXT is required: the administrators read why you need it");
    if (ask.deviceId.find(' ') != std::string::npos) return usageError("--device: an ID has no spaces");
    if (auto problem = guard::requestAskProblem(ask); !problem.empty()) return usageError(problem);
    request.command = guard::ControlCommand::Request;
    request.argument = guard::formatRequestArgument(ask);
  }
  // QLocalSocket's blocking calls still want an application object.
  QCoreApplication app(argc, argv);
  // A request waits for the collector's answer (its own timeout is 15 s).
  std::string reply;
  if (const int code = askAgent(kCommand, socket, request, 35'000, reply); code != kExitOk) return code;
  if (list) return printDevices(reply);
  std::printf("%s\n", common::visibleText(reply).c_str());  // "request ... sent for <device name>"
  return kExitOk;
}

}  // namespace mamori::agent
