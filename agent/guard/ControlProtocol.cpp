#include "agent/guard/ControlProtocol.h"

#include <algorithm>
#include <charconv>

#include "common/Utf8.h"

namespace mamori::agent::guard {

namespace {

bool printable(std::string_view text) {
  // Unsigned: the bytes of UTF-8 text (a Japanese reason) are printable too.
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
}

// Answers are shown to a person: keep them on one line whatever the agent put in them.
std::string oneLine(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

}  // namespace

common::Result<ControlRequest> parseControlRequest(std::string_view line) {
  if (line.size() > kMaxControlLine) return common::makeError("request line too long", "control request");
  if (!printable(line)) return common::makeError("request holds control characters", "control request");
  const auto space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  const std::string_view argument = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  ControlRequest request;
  request.argument = std::string(argument);
  if (verb == "status") {
    request.command = ControlCommand::Status;
    if (!argument.empty()) return common::makeError("status takes no argument", "control request");
  } else if (verb == "stop") {
    // An empty token is allowed on the wire: the agent answers "refused" and reports agent.tamper.
    request.command = ControlCommand::Stop;
  } else if (verb == "remove") {
    request.command = ControlCommand::Remove;
  } else if (verb == "exception") {
    request.command = ControlCommand::Exception;
    if (argument.empty()) return common::makeError("exception expects a response code", "control request");
  } else if (verb == "devices") {
    request.command = ControlCommand::Devices;
    if (!argument.empty()) return common::makeError("devices takes no argument", "control request");
  } else if (verb == "request") {
    request.command = ControlCommand::Request;
    if (argument.empty()) return common::makeError("request expects <device-id> <minutes> <reason>", "control request");
  } else {
    return common::makeError("unknown command \"" + std::string(verb.substr(0, 40)) + "\"", "control request");
  }
  return request;
}

std::string requestAskProblem(const RequestAsk& ask) {
  if (ask.deviceId.empty()) return "no device given (--device ID; --list shows the blocked devices)";
  if (ask.reason.find_first_not_of(" \t") == std::string::npos) return "the reason is empty (--reason TEXT)";
  if (ask.reason.size() > kMaxRequestReasonBytes) {
    return "the reason is longer than " + std::to_string(kMaxRequestReasonBytes) + " bytes";
  }
  if (!common::isValidUtf8(ask.reason)) return "the reason is not valid UTF-8";
  for (unsigned char c : ask.reason) {
    if (c < 0x20 || c == 0x7f) return "the reason holds control characters (one line of text)";
  }
  if (ask.minutes < 1 || ask.minutes > kMaxRequestMinutes) {
    return "minutes must be between 1 and " + std::to_string(kMaxRequestMinutes);
  }
  return {};
}

common::Result<RequestAsk> parseRequestArgument(std::string_view argument) {
  RequestAsk ask;
  const auto first = argument.find(' ');
  const auto second = first == std::string::npos ? first : argument.find(' ', first + 1);
  if (second == std::string::npos) return common::makeError("expected <device-id> <minutes> <reason>", "request");
  ask.deviceId = std::string(argument.substr(0, first));
  const std::string minutes(argument.substr(first + 1, second - first - 1));
  const auto [end, ec] = std::from_chars(minutes.data(), minutes.data() + minutes.size(), ask.minutes);
  if (ec != std::errc() || end != minutes.data() + minutes.size()) {
    return common::makeError("minutes must be a whole number", "request");
  }
  ask.reason = std::string(argument.substr(second + 1));
  if (ask.deviceId.size() > 64) return common::makeError("the device id is too long", "request");
  if (auto problem = requestAskProblem(ask); !problem.empty()) return common::makeError(problem, "request");
  return ask;
}

std::string formatRequestArgument(const RequestAsk& ask) {
  return ask.deviceId + " " + std::to_string(ask.minutes) + " " + ask.reason;
}

std::string formatControlRequest(const ControlRequest& request) {
  switch (request.command) {
    case ControlCommand::Stop: return "stop " + request.argument + "\n";
    case ControlCommand::Remove: return "remove " + request.argument + "\n";
    case ControlCommand::Exception: return "exception " + request.argument + "\n";
    case ControlCommand::Devices: return "devices\n";
    case ControlCommand::Request: return "request " + request.argument + "\n";
    case ControlCommand::Status: break;
  }
  return "status\n";
}

common::Result<ControlAnswer> parseControlAnswer(std::string_view line) {
  if (line.size() > kMaxControlLine) return common::makeError("answer line too long", "control answer");
  const auto space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  ControlAnswer answer;
  answer.text = space == std::string_view::npos ? std::string() : std::string(line.substr(space + 1));
  if (word == "ok") {
    answer.outcome = ControlOutcome::Ok;
  } else if (word == "refused") {
    answer.outcome = ControlOutcome::Refused;
  } else if (word == "error") {
    answer.outcome = ControlOutcome::Error;
  } else {
    return common::makeError("unexpected answer \"" + std::string(line.substr(0, 60)) + "\"", "control answer");
  }
  return answer;
}

std::string formatControlAnswer(const ControlAnswer& answer) {
  const char* word = answer.outcome == ControlOutcome::Ok        ? "ok"
                     : answer.outcome == ControlOutcome::Refused ? "refused"
                                                                 : "error";
  return std::string(word) + " " + oneLine(answer.text) + "\n";
}

}  // namespace mamori::agent::guard
