#pragma once
// Poco's side of a request: turns Poco::Net::HTTPServerRequest into an ApiRequest, lets CollectorApi
// answer, writes the answer. It is the exception boundary of the handler threads: whatever escapes
// CollectorApi is logged and answered 500; nothing propagates into Poco's thread pool.

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "collector/server/CollectorApi.h"

namespace mamori::collector::server {

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(CollectorApi& api) : api_(api) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  CollectorApi& api_;
};

class RequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RequestHandlerFactory(CollectorApi& api) : api_(api) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  CollectorApi& api_;
};

}  // namespace mamori::collector::server
