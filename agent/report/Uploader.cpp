#include "agent/report/Uploader.h"

#include <algorithm>

#include "agent/report/UploadOutcome.h"
#include "common/Clock.h"
#include "common/EventJson.h"
#include "common/Log.h"

namespace mamori::agent {

namespace {
constexpr const char* kEventsPath = "/api/v1/events";
constexpr const char* kEnrollPath = "/api/v1/enroll";
// After a 413 the smaller batch size stays for this many deliveries, then grows back step by step.
constexpr int kRegrowAfter = 20;

std::string statusText(const TransportResult& result) {
  if (!result) return result.error().describe();
  std::string text = "HTTP " + std::to_string(result.value().status);
  if (!result.value().retryAfter.empty()) text += ", Retry-After " + result.value().retryAfter;
  return text;
}

std::optional<std::int64_t> askedWait(const TransportResult& result) {
  return retryAfterMs(result, common::SystemClock().nowMs());
}
}  // namespace

Uploader::Uploader(Spool& spool, Transport& transport, RetryScheduler& scheduler, IdentityStore& identity,
                   UploaderSettings settings, QObject* parent)
    : QObject(parent),
      spool_(spool),
      transport_(transport),
      scheduler_(scheduler),
      identity_(identity),
      settings_(std::move(settings)),
      maxEvents_(std::max<std::int64_t>(settings_.batchMaxEvents, 1)),
      maxBytes_(std::max<std::int64_t>(settings_.batchMaxBytes, 1)) {
  finishDeadline_.setSingleShot(true);
  connect(&finishDeadline_, &QTimer::timeout, this, [this] {
    if (state_ != State::Idle && state_ != State::Stopped) {
      common::log::info("stopping: upload not finished within the grace time; its events stay spooled");
    }
    complete();
  });
}

void Uploader::setBatchLimits(std::int64_t maxEvents, std::int64_t maxBytes) {
  settings_.batchMaxEvents = std::max<std::int64_t>(maxEvents, 1);
  settings_.batchMaxBytes = std::max<std::int64_t>(maxBytes, 1);
  maxEvents_ = settings_.batchMaxEvents;
  maxBytes_ = settings_.batchMaxBytes;
  successesSinceShrink_ = 0;
}

void Uploader::kick() {
  if (state_ == State::Idle && !finishing_) next();
}

void Uploader::finish(int graceMs, std::function<void()> done) {
  if (state_ == State::Stopped) {
    if (done) done();
    return;
  }
  finishing_ = true;
  finishDone_ = std::move(done);
  if (state_ == State::Waiting || state_ == State::Idle) {
    scheduler_.cancel();
    state_ = State::Idle;
    // Idle with events left (e.g. just spooled agent.stopped): one last short drain.
    if (!identity_.identity().nodeKey.empty() && spool_.eventCount() > 0) {
      finishDeadline_.start(std::max(graceMs, 0));
      sendBatch();
      return;
    }
    complete();
    return;
  }
  finishDeadline_.start(std::max(graceMs, 0));
}

void Uploader::complete() {
  finishDeadline_.stop();
  scheduler_.cancel();
  state_ = State::Stopped;
  if (auto done = std::exchange(finishDone_, nullptr)) done();
}

void Uploader::next() {
  if (state_ == State::Stopped) return;
  state_ = State::Idle;
  if (identity_.identity().nodeKey.empty()) {
    if (finishing_) return complete();
    if (!settings_.enrollSecretFile.empty()) return startEnroll();
    if (!warnedNoCredentials_) {
      common::log::error("not enrolled and no --enroll-secret-file given: events are kept in the spool");
      warnedNoCredentials_ = true;
    }
    return;
  }
  if (spool_.eventCount() == 0) {
    if (finishing_) return complete();
    emit drained();
    return;
  }
  sendBatch();
}

void Uploader::sendBatch() {
  auto batch = spool_.readBatch(maxEvents_, maxBytes_);
  if (!batch) {
    common::log::error("upload: " + batch.error().describe());
    if (finishing_) return complete();
    return waitAndRetry(&Uploader::next, false);
  }
  if (batch.value().empty()) {
    state_ = State::Idle;
    if (finishing_) return complete();
    emit drained();
    return;
  }
  state_ = State::Sending;
  TransportRequest request;
  request.path = kEventsPath;
  request.body = common::makeBatchBody(batch.value().jsonLines);
  request.gzip = true;
  request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + identity_.identity().nodeKey}};
  // The whole spool in one batch: once it is answered only a heartbeat is due, so the connection goes.
  request.closeAfter = static_cast<std::int64_t>(batch.value().size()) >= spool_.eventCount();
  common::log::debug("upload: sending " + std::to_string(batch.value().size()) + " events (" +
                     std::to_string(batch.value().bytes) + " bytes)");
  transport_.post(std::move(request), [this, ids = std::move(batch.value().ids), bytes = batch.value().bytes](
                                          const TransportResult& result) { onBatchAnswer(ids, bytes, result); });
}

void Uploader::onBatchAnswer(const std::vector<std::string>& ids, std::int64_t bytes, const TransportResult& result) {
  if (state_ != State::Sending) return;  // stopped meanwhile: the events stay spooled
  const UploadOutcome outcome = classifyUpload(result);
  switch (outcome) {
    case UploadOutcome::Delivered: {
      if (auto acked = spool_.acknowledge(ids); !acked) {
        // Not removed: they will be sent again, and the collector drops duplicates by id.
        common::log::error("upload: delivered but " + acked.error().describe());
      }
      delivered_ += static_cast<std::int64_t>(ids.size());
      scheduler_.reset();
      if (maxEvents_ < settings_.batchMaxEvents && ++successesSinceShrink_ >= kRegrowAfter) {
        maxEvents_ = std::min(maxEvents_ * 2, settings_.batchMaxEvents);
        maxBytes_ = std::min(maxBytes_ * 2, settings_.batchMaxBytes);
        successesSinceShrink_ = 0;
      }
      return next();
    }
    case UploadOutcome::Retry:
      spool_.releaseInFlight();
      common::log::warning("upload of " + std::to_string(ids.size()) + " events failed (" + statusText(result) +
                           "); will retry");
      if (finishing_) return complete();
      return waitAndRetry(&Uploader::next, false, askedWait(result));
    case UploadOutcome::Final: {
      const auto why = parseCollectorError(result.value().body);
      common::log::error("the collector refused " + std::to_string(ids.size()) + " events for good (HTTP " +
                         std::to_string(result.value().status) + ": " + why.error +
                         (why.where.empty() ? "" : " at " + why.where) + "); keeping them aside in the spool");
      if (auto rejected = spool_.reject(ids, {result.value().status, why.error, why.where}); !rejected) {
        common::log::error("upload: " + rejected.error().describe());
        spool_.releaseInFlight();
        if (finishing_) return complete();
        return waitAndRetry(&Uploader::next, false);
      }
      return next();
    }
    case UploadOutcome::AuthFailed:
      spool_.releaseInFlight();
      if (finishing_) return complete();
      if (!settings_.enrollSecretFile.empty()) {
        common::log::warning("the collector does not accept our node key (HTTP 401); enrolling again");
        return waitAndRetry(&Uploader::startEnroll, false);
      }
      common::log::error(
          "the collector does not accept our node key (HTTP 401) and no --enroll-secret-file was "
          "given; events stay spooled, retrying at the longest interval");
      return waitAndRetry(&Uploader::next, true);
    case UploadOutcome::TooLarge:
      spool_.releaseInFlight();
      if (ids.size() <= 1) {
        // One event larger than the collector takes will never fit: it is final.
        if (auto rejected = spool_.reject(ids, {413, "event larger than the collector accepts", ""}); !rejected) {
          common::log::error("upload: " + rejected.error().describe());
        }
        return next();
      }
      maxEvents_ = std::max<std::int64_t>(static_cast<std::int64_t>(ids.size()) / 2, 1);
      maxBytes_ = std::max<std::int64_t>(bytes / 2, 1);
      successesSinceShrink_ = 0;
      common::log::warning("the collector found a batch of " + std::to_string(ids.size()) +
                           " events too large (HTTP 413); sending at most " + std::to_string(maxEvents_) +
                           " events / " + std::to_string(maxBytes_) + " bytes per batch");
      return next();
  }
}

void Uploader::startEnroll() {
  if (state_ == State::Stopped) return;
  auto secret = readEnrollSecret(settings_.enrollSecretFile);
  if (!secret) {
    common::log::error("cannot enroll: " + secret.error().describe());
    return waitAndRetry(&Uploader::startEnroll, true);
  }
  state_ = State::Enrolling;
  common::log::info("enrolling with the collector as agent " + settings_.enrollFacts.agentId);
  TransportRequest request;
  request.path = kEnrollPath;
  request.body = makeEnrollBody(secret.value(), settings_.enrollFacts);
  request.headers = {{"Content-Type", "application/json"}};
  transport_.post(std::move(request), [this](const TransportResult& result) { onEnrollAnswer(result); });
}

void Uploader::onEnrollAnswer(const TransportResult& result) {
  if (state_ != State::Enrolling) return;
  const UploadOutcome outcome = classifyUpload(result);
  if (outcome == UploadOutcome::Delivered) {
    auto key = parseEnrollAnswer(result.value().body, settings_.enrollFacts.agentId);
    if (!key) {
      common::log::error("enrollment: " + key.error().describe());
      return waitAndRetry(&Uploader::startEnroll, false);
    }
    if (auto saved = identity_.setNodeKey(std::move(key).value()); !saved) {
      common::log::error("enrolled, but cannot save the node key (the next start enrolls again): " +
                         saved.error().describe());
    }
    lastEnrollAnswer_ = result.value().body;
    common::log::info("enrolled with the collector");
    warnedNoCredentials_ = false;
    emit enrolled();
    return next();
  }
  if (finishing_) return complete();
  if (outcome == UploadOutcome::Retry) {
    common::log::warning("enrollment failed (" + statusText(result) + "); will retry");
    return waitAndRetry(&Uploader::startEnroll, false, askedWait(result));
  }
  const auto why = parseCollectorError(result.value().body);
  common::log::error("the collector refused enrollment (HTTP " + std::to_string(result.value().status) + ": " +
                     why.error + ")" + (result.value().status == 401 ? "; is the enroll secret right?" : "") +
                     " retrying at the longest interval");
  waitAndRetry(&Uploader::startEnroll, true);
}

void Uploader::waitAndRetry(void (Uploader::*action)(), bool atCap, std::optional<std::int64_t> retryAfterMs) {
  state_ = State::Waiting;
  auto run = [this, action] { (this->*action)(); };
  const std::int64_t delay = atCap ? scheduler_.retryAtCap(run) : scheduler_.retryLater(run, retryAfterMs);
  common::log::debug("retry in " + std::to_string(delay) + " ms");
}

}  // namespace mamori::agent
