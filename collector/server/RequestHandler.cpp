#include "collector/server/RequestHandler.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <array>
#include <cstdint>

#include "common/Log.h"

namespace mamori::collector::server {

namespace {

// After an early answer (401, 413 ...) the unread rest of a body is drained up to this much, so
// that a client that writes its whole body before reading sees our answer instead of a reset.
// Beyond it the connection is closed: never read unbounded data.
constexpr std::size_t kDrainBytes = 4 * 1024 * 1024;

struct BodyState {
  std::size_t read = 0;
  bool finished = false;  // end of body reached
};

BodyRead readLimited(std::istream& in, std::size_t maxBytes, BodyState& state) {
  BodyRead result;
  std::array<char, 64 * 1024> buffer{};
  while (true) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    state.read += got;
    if (result.data.size() + got > maxBytes) {
      result.tooLarge = true;
      return result;
    }
    result.data.append(buffer.data(), got);
    if (in.eof()) {
      state.finished = true;
      return result;
    }
    if (in.fail()) {
      result.failed = true;
      return result;
    }
  }
}

// True when the whole remaining body was consumed within the drain allowance.
bool drain(std::istream& in, BodyState& state) {
  if (state.finished) return true;
  std::array<char, 64 * 1024> buffer{};
  std::size_t drained = 0;
  while (drained < kDrainBytes) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    drained += static_cast<std::size_t>(in.gcount());
    if (in.eof()) return true;
    if (in.fail()) return false;
  }
  return false;
}

}  // namespace

void RequestHandler::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  ApiResponse answer;
  BodyState body;
  const bool hasBody =
      request.hasContentLength() ? request.getContentLength64() > 0 : request.getChunkedTransferEncoding();
  try {
    ApiRequest api;
    api.method = request.getMethod();
    const Poco::URI uri(request.getURI());
    api.path = uri.getPath();
    for (auto& pair : uri.getQueryParameters()) api.query.push_back(std::move(pair));
    api.authorization = request.get("Authorization", "");
    api.cookie = request.get("Cookie", "");
    api.csrfToken = request.get("X-CSRF-Token", "");
    api.clientAddress = request.clientAddress().host().toString();
    api.contentType = request.getContentType();
    api.contentEncoding = request.get("Content-Encoding", "");
    if (request.hasContentLength()) api.contentLength = request.getContentLength64();
    api.readBody = [&request, &body](std::size_t maxBytes) { return readLimited(request.stream(), maxBytes, body); };
    answer = api_.handle(api);
  } catch (const Poco::Exception& e) {
    common::log::error("request " + request.getMethod() + " " + request.getURI() + " failed: " + e.displayText());
    answer = jsonError(500, "internal error", "");
  } catch (const std::exception& e) {
    common::log::error("request " + request.getMethod() + " " + request.getURI() + " failed: " + e.what());
    answer = jsonError(500, "internal error", "");
  } catch (...) {
    common::log::error("request " + request.getMethod() + " " + request.getURI() + " failed: unknown exception");
    answer = jsonError(500, "internal error", "");
  }
  try {
    bool keepAlive = request.getKeepAlive();
    if (hasBody && !body.finished) {
      // A body announced larger than the drain allowance is not waited for at all: answer now and
      // close, so a client that sends only headers (or trickles) cannot hold a server thread.
      const bool tooMuchToDrain = request.hasContentLength() &&
                                  static_cast<std::uint64_t>(request.getContentLength64()) > body.read + kDrainBytes;
      keepAlive = !tooMuchToDrain && keepAlive && drain(request.stream(), body);
    }
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(answer.contentType);
    for (const auto& [name, value] : answer.headers) response.set(name, value);
    response.setKeepAlive(keepAlive);
    response.setContentLength64(static_cast<Poco::Int64>(answer.body.size()));
    if (request.getMethod() == "HEAD") {
      response.send();
    } else {
      response.sendBuffer(answer.body.data(), answer.body.size());
    }
  } catch (const Poco::Exception& e) {  // the client went away while we answered
    common::log::debug("could not send the answer to " + request.clientAddress().toString() + ": " + e.displayText());
  } catch (const std::exception& e) {
    common::log::debug(std::string("could not send the answer: ") + e.what());
  }
}

Poco::Net::HTTPRequestHandler* RequestHandlerFactory::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
  return new RequestHandler(api_);
}

}  // namespace mamori::collector::server
