#pragma once
// An EventSink for capability tests: hands every event to the test's callback (which keeps what it
// wants to check) and answers ids "event-1", "event-2", ... in order. A callback may also answer the
// id itself (std::string result). Must outlive the capability that reports through it.

#include <Poco/JSON/Object.h>

#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "agent/core/EventSink.h"

namespace mamori::testsupport {

class CallbackEventSink final : public agent::EventSink {
 public:
  using Callback = std::function<std::string(const std::string&, common::Severity, Poco::JSON::Object::Ptr)>;

  template <typename F>
  explicit CallbackEventSink(F callback) {
    using Answer = std::invoke_result_t<F&, const std::string&, common::Severity, Poco::JSON::Object::Ptr>;
    if constexpr (std::is_void_v<Answer>) {
      callback_ = [callback = std::move(callback), this](const std::string& type, common::Severity severity,
                                                         Poco::JSON::Object::Ptr details) mutable {
        callback(type, severity, std::move(details));
        return "event-" + std::to_string(reported_);
      };
    } else {
      callback_ = std::move(callback);
    }
  }
  CallbackEventSink(const CallbackEventSink&) = delete;
  CallbackEventSink& operator=(const CallbackEventSink&) = delete;

  std::string report(const std::string& type, common::Severity severity, Poco::JSON::Object::Ptr details) override {
    ++reported_;
    return callback_(type, severity, std::move(details));
  }

  int reported() const { return reported_; }

 private:
  Callback callback_;
  int reported_ = 0;
};

}  // namespace mamori::testsupport
