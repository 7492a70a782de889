#include "collector/siem/SiemConfig.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <cctype>
#include <set>

#include "common/Event.h"
#include "common/Files.h"
#include "common/JsonPointer.h"

namespace mamori::collector::siem {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

// One object's keys, checked against the ones its kind allows; values fetched with their type.
class Fields {
 public:
  Fields(Object::Ptr object, std::string where) : object_(std::move(object)), where_(std::move(where)) {}

  common::Status onlyKnown(const std::set<std::string>& allowed) const {
    for (const auto& name : object_->getNames()) {
      if (allowed.count(name) == 0) return common::makeError("unknown key", at(name));
    }
    return common::Ok{};
  }
  bool has(const std::string& key) const { return object_->has(key); }
  std::string at(const std::string& key) const { return common::jsonPointerAppend(where_, key); }

  common::Result<std::string> text(const std::string& key, bool required, std::string fallback = {}) const {
    if (!object_->has(key)) {
      if (required) return common::makeError("missing (a string is required)", at(key));
      return fallback;
    }
    const Var value = object_->get(key);
    if (!value.isString()) return common::makeError("must be a string", at(key));
    auto s = value.convert<std::string>();
    if (required && s.empty()) return common::makeError("must not be empty", at(key));
    return s;
  }

  common::Result<std::int64_t> integer(const std::string& key, std::int64_t fallback, std::int64_t min,
                                       std::int64_t max) const {
    if (!object_->has(key)) return fallback;
    const Var value = object_->get(key);
    if (!value.isInteger()) return common::makeError("must be an integer", at(key));
    const auto n = value.convert<std::int64_t>();
    if (n < min || n > max) {
      return common::makeError("must be between " + std::to_string(min) + " and " + std::to_string(max), at(key));
    }
    return n;
  }

 private:
  Object::Ptr object_;
  std::string where_;
};

common::Result<SinkConfig> parseSink(const Var& value, const std::string& where) {
  if (value.type() != typeid(Object::Ptr)) return common::makeError("must be an object", where);
  Fields f(value.extract<Object::Ptr>(), where);
  SinkConfig sink;
  auto name = f.text("name", true);
  if (!name) return name.error();
  sink.name = name.value();
  for (char c : sink.name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return common::makeError("may hold only letters, digits, '-', '_' and '.'", f.at("name"));
    }
  }
  auto kind = f.text("kind", true);
  if (!kind) return kind.error();
  std::set<std::string> allowed = {"name", "kind", "min_severity", "types", "batch_size"};
  if (kind.value() == "syslog") {
    sink.kind = SinkKind::Syslog;
    allowed.insert({"transport", "host", "port", "ca_file", "server_name", "facility"});
  } else if (kind.value() == "file") {
    sink.kind = SinkKind::File;
    allowed.insert({"path", "max_bytes", "keep"});
  } else if (kind.value() == "http") {
    sink.kind = SinkKind::Http;
    allowed.insert({"url", "ca_file", "headers", "timeout_ms"});
  } else {
    return common::makeError("must be \"syslog\", \"file\" or \"http\"", f.at("kind"));
  }
  if (auto known = f.onlyKnown(allowed); !known) return known.error();

  auto severity = f.text("min_severity", false, "info");
  if (!severity) return severity.error();
  auto parsed = common::parseSeverity(severity.value());
  if (!parsed) return common::makeError("must be info, low, medium, high or critical", f.at("min_severity"));
  sink.minSeverity = static_cast<int>(*parsed);

  if (f.has("types")) {
    auto list = value.extract<Object::Ptr>()->get("types");
    if (list.type() != typeid(Poco::JSON::Array::Ptr)) return common::makeError("must be a list", f.at("types"));
    auto array = list.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i) {
      const Var item = array->get(static_cast<unsigned>(i));
      if (!item.isString() || item.convert<std::string>().empty()) {
        return common::makeError("must be a non-empty string",
                                 common::jsonPointerAppend(f.at("types"), std::to_string(i)));
      }
      sink.types.push_back(item.convert<std::string>());
    }
  }
  auto batch = f.integer("batch_size", 500, 1, 10'000);
  if (!batch) return batch.error();
  sink.batchSize = static_cast<std::size_t>(batch.value());

  switch (sink.kind) {
    case SinkKind::Syslog: {
      auto transport = f.text("transport", false, "tcp");
      if (!transport) return transport.error();
      if (transport.value() != "tcp" && transport.value() != "tls") {
        return common::makeError("must be \"tcp\" or \"tls\"", f.at("transport"));
      }
      sink.tls = transport.value() == "tls";
      auto host = f.text("host", true);
      if (!host) return host.error();
      sink.host = host.value();
      if (!f.has("port")) return common::makeError("missing (a port number is required)", f.at("port"));
      auto port = f.integer("port", 0, 1, 65535);
      if (!port) return port.error();
      sink.port = static_cast<unsigned short>(port.value());
      auto ca = f.text("ca_file", false);
      if (!ca) return ca.error();
      sink.caFile = ca.value();
      auto serverName = f.text("server_name", false);
      if (!serverName) return serverName.error();
      sink.serverName = serverName.value();
      if (!sink.tls && (f.has("ca_file") || f.has("server_name"))) {
        return common::makeError("only for \"transport\": \"tls\"", f.at(f.has("ca_file") ? "ca_file" : "server_name"));
      }
      auto facility = f.integer("facility", 16, 0, 23);
      if (!facility) return facility.error();
      sink.facility = static_cast<int>(facility.value());
      break;
    }
    case SinkKind::File: {
      auto path = f.text("path", true);
      if (!path) return path.error();
      if (path.value().front() != '/') return common::makeError("must be an absolute path", f.at("path"));
      sink.path = path.value();
      auto maxBytes = f.integer("max_bytes", sink.maxBytes, 4096, std::int64_t{1} << 40);
      if (!maxBytes) return maxBytes.error();
      sink.maxBytes = maxBytes.value();
      auto keep = f.integer("keep", 5, 1, 1000);
      if (!keep) return keep.error();
      sink.keep = static_cast<int>(keep.value());
      break;
    }
    case SinkKind::Http: {
      auto url = f.text("url", true);
      if (!url) return url.error();
      try {
        Poco::URI uri(url.value());
        if (uri.getScheme() != "https" || uri.getHost().empty()) {
          return common::makeError("must be an https:// URL with a host (events are sensitive)", f.at("url"));
        }
      } catch (const Poco::Exception& e) {
        return common::makeError("not a valid URL: " + e.message(), f.at("url"));
      }
      sink.url = url.value();
      auto ca = f.text("ca_file", false);
      if (!ca) return ca.error();
      sink.caFile = ca.value();
      auto timeout = f.integer("timeout_ms", 10'000, 100, 600'000);
      if (!timeout) return timeout.error();
      sink.timeoutMs = static_cast<int>(timeout.value());
      if (f.has("headers")) {
        auto headers = value.extract<Object::Ptr>()->get("headers");
        if (headers.type() != typeid(Object::Ptr)) return common::makeError("must be an object", f.at("headers"));
        auto object = headers.extract<Object::Ptr>();
        for (const auto& headerName : object->getNames()) {
          const Var header = object->get(headerName);
          const std::string at = common::jsonPointerAppend(f.at("headers"), headerName);
          if (!header.isString()) return common::makeError("must be a string", at);
          const auto text = header.convert<std::string>();
          if (text.find_first_of("\r\n") != std::string::npos ||
              headerName.find_first_of("\r\n: ") != std::string::npos) {
            return common::makeError("header names cannot hold ':', space or line breaks, values no line breaks", at);
          }
          sink.headers.emplace_back(headerName, text);
        }
      }
      break;
    }
  }
  return sink;
}

}  // namespace

bool SinkConfig::wants(const std::string& type, int severity) const {
  if (severity < minSeverity) return false;
  if (types.empty()) return true;
  for (const auto& prefix : types) {
    if (type.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

common::Result<SiemConfig> parseSiemConfig(std::string_view json) {
  Var root;
  try {
    Poco::JSON::Parser parser;
    root = parser.parse(std::string(json));
  } catch (const Poco::Exception& e) {
    return common::makeError("not valid JSON: " + e.message(), "");
  }
  if (root.type() != typeid(Object::Ptr)) return common::makeError("must be a JSON object", "");
  Fields f(root.extract<Object::Ptr>(), "");
  if (auto known = f.onlyKnown({"sinks", "lease_ms", "poll_ms"}); !known) return known.error();
  SiemConfig config;
  auto lease = f.integer("lease_ms", config.leaseMs, 1000, 3'600'000);
  if (!lease) return lease.error();
  config.leaseMs = lease.value();
  auto poll = f.integer("poll_ms", config.pollMs, 10, 60'000);
  if (!poll) return poll.error();
  config.pollMs = poll.value();
  if (!f.has("sinks")) return common::makeError("missing (a list of sinks is required)", "/sinks");
  auto list = root.extract<Object::Ptr>()->get("sinks");
  if (list.type() != typeid(Poco::JSON::Array::Ptr)) return common::makeError("must be a list", "/sinks");
  auto array = list.extract<Poco::JSON::Array::Ptr>();
  std::set<std::string> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string where = "/sinks/" + std::to_string(i);
    auto sink = parseSink(array->get(static_cast<unsigned>(i)), where);
    if (!sink) return sink.error();
    if (!names.insert(sink.value().name).second)
      return common::makeError("a sink with this name exists already", where + "/name");
    config.sinks.push_back(std::move(sink).value());
  }
  return config;
}

common::Result<SiemConfig> loadSiemConfig(const std::string& path) {
  auto text = common::readSmallFile(path);
  if (!text) return text.error();
  auto config = parseSiemConfig(text.value());
  if (!config) {
    auto error = config.error();
    error.where = path + (error.where.empty() ? "" : ":" + error.where);
    return error;
  }
  return config;
}

}  // namespace mamori::collector::siem
