#pragma once
// The local control channel between `mamori-agent ctl ...` and the running agent: one request line,
// one answer line, over a unix socket that only root can reach (it lives in the 0700 state
// directory). Pure: text in, request or answer out.
//
//   request:  "stop <token>\n" | "remove <token>\n" (the package's prerm) | "status\n" |
//             "exception <code>\n" |
//             (the employees' request socket) "devices\n" | "request <device-id> <minutes> <reason>\n"
//   answer:   "ok <text>\n" | "refused <text>\n" | "error <text>\n"

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::agent::guard {

constexpr std::size_t kMaxControlLine = 4096;

enum class ControlCommand { Stop, Remove, Status, Exception, Devices, Request };

struct ControlRequest {
  ControlCommand command = ControlCommand::Status;
  std::string argument;  // the token (stop, remove), the response code (exception), the ask (request)
};

enum class ControlOutcome { Ok, Refused, Error };

struct ControlAnswer {
  ControlOutcome outcome = ControlOutcome::Error;
  std::string text;
};

// The argument of "request": "<device-id> <minutes> <reason>" (the reason may hold spaces and UTF-8).
struct RequestAsk {
  std::string deviceId;
  std::string reason;
  std::int64_t minutes = 60;
  std::string user;  // not on the wire: the agent names the caller from the socket's peer credentials
};
inline constexpr std::size_t kMaxRequestReasonBytes = 1000;  // the collector's bound
inline constexpr std::int64_t kMaxRequestMinutes = std::int64_t{7} * 24 * 60;
// Why ask cannot be sent (no device, empty or too long reason, control characters, minutes out of
// range), or "".
std::string requestAskProblem(const RequestAsk& ask);
common::Result<RequestAsk> parseRequestArgument(std::string_view argument);
std::string formatRequestArgument(const RequestAsk& ask);

// line excludes the newline.
common::Result<ControlRequest> parseControlRequest(std::string_view line);
std::string formatControlRequest(const ControlRequest& request);

common::Result<ControlAnswer> parseControlAnswer(std::string_view line);
std::string formatControlAnswer(const ControlAnswer& answer);

}  // namespace mamori::agent::guard
