#pragma once
// An in-memory PrintSpooler for unit tests: queues, jobs and their documents set by the test; hold,
// release and cancel change the job as a scheduler would, and are recorded; a scheduler that is down
// answers every call with an error.

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

#include "drivers/include/PrintSpooler.h"

namespace mamori::drivers::fake {

class FakePrintSpooler final : public PrintSpooler {
 public:
  struct Call {
    std::string operation;  // "hold", "release", "cancel", "default"
    std::string subject;    // the job id or "printer=keyword"
  };

  // Test side.
  void addPrinter(const std::string& name, const std::string& holdDefault = "no-hold") {
    const std::lock_guard lock(mutex_);
    printers_[name] = holdDefault;
  }
  // A new job as the scheduler would hold it: held when its queue's default says indefinite.
  std::int64_t submit(const std::string& printer, std::vector<std::string> documents, const std::string& user = "alice",
                      const std::string& title = "doc", std::string holdUntil = "") {
    const std::lock_guard lock(mutex_);
    PrintJobFacts job;
    job.id = ++lastId_;
    job.printer = printer;
    job.user = user;
    job.title = title;
    if (holdUntil.empty()) holdUntil = printers_.count(printer) != 0 ? printers_[printer] : "no-hold";
    job.holdUntil = holdUntil;
    job.state = holdUntil == "no-hold" ? PrintJobState::kPending : PrintJobState::kHeld;
    job.documents = static_cast<std::int64_t>(documents.size());
    jobs_[job.id] = job;
    documents_[job.id] = std::move(documents);
    changed_.notify_all();
    return job.id;
  }
  void setState(std::int64_t id, PrintJobState state) {
    const std::lock_guard lock(mutex_);
    jobs_[id].state = state;
  }
  // Another document arrives (Send-Document); with listedOnly the scheduler lists it before its file
  // is in the spool.
  void addDocument(std::int64_t id, std::string data, bool listedOnly = false) {
    const std::lock_guard lock(mutex_);
    ++jobs_[id].documents;
    if (!listedOnly) documents_[id].push_back(std::move(data));
  }
  void fileDocuments(std::int64_t id, std::vector<std::string> documents) {
    const std::lock_guard lock(mutex_);
    documents_[id] = std::move(documents);
  }
  void setReasons(std::int64_t id, std::vector<std::string> reasons) {
    const std::lock_guard lock(mutex_);
    jobs_[id].stateReasons = std::move(reasons);
  }
  void setDown(bool down) {
    const std::lock_guard lock(mutex_);
    down_ = down;
  }
  PrintJobFacts job(std::int64_t id) const {
    const std::lock_guard lock(mutex_);
    return jobs_.at(id);
  }
  std::string holdDefault(const std::string& printer) const {
    const std::lock_guard lock(mutex_);
    return printers_.at(printer);
  }
  std::vector<Call> calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
  }
  std::string server() const {
    const std::lock_guard lock(mutex_);
    return server_;
  }

  // PrintSpooler.
  void use(const std::string& server, const std::string& spoolDir) override {
    const std::lock_guard lock(mutex_);
    server_ = server;
    spoolDir_ = spoolDir;
  }
  common::Result<std::vector<PrinterFacts>> printers() override {
    const std::lock_guard lock(mutex_);
    if (down_) return downError();
    std::vector<PrinterFacts> out;
    for (const auto& [name, hold] : printers_) out.push_back({name, hold});
    return out;
  }
  common::Status setHoldDefault(const std::string& printer, const std::string& keyword) override {
    const std::lock_guard lock(mutex_);
    if (down_) return downError();
    printers_[printer] = keyword;
    calls_.push_back({"default", printer + "=" + keyword});
    return common::Ok{};
  }
  common::Result<std::vector<PrintJobFacts>> jobs() override {
    const std::lock_guard lock(mutex_);
    if (down_) return downError();
    std::vector<PrintJobFacts> out;
    for (const auto& [id, job] : jobs_) {
      if (job.state < PrintJobState::kCanceled) out.push_back(job);
    }
    return out;
  }
  common::Status hold(std::int64_t id) override { return change(id, "hold", PrintJobState::kHeld, "indefinite"); }
  common::Status release(std::int64_t id) override { return change(id, "release", PrintJobState::kPending, "no-hold"); }
  common::Status cancel(std::int64_t id) override { return change(id, "cancel", PrintJobState::kCanceled, ""); }
  common::Result<SpooledDocument> document(std::int64_t id, std::int64_t number, std::size_t maxBytes) override {
    const std::lock_guard lock(mutex_);
    if (down_) return downError();
    const auto found = documents_.find(id);
    if (found == documents_.end() || number < 1 || number > static_cast<std::int64_t>(found->second.size())) {
      return common::makeError(common::ErrorKind::kNotFound, "no such document", std::to_string(id));
    }
    SpooledDocument doc;
    doc.path = spoolDir_ + "/d" + std::to_string(id) + "-" + std::to_string(number);
    const std::string& data = found->second[static_cast<std::size_t>(number - 1)];
    doc.size = static_cast<std::int64_t>(data.size());
    doc.data = data.substr(0, maxBytes);
    doc.complete = data.size() <= maxBytes;
    return doc;
  }
  void waitForChange(int timeoutMs) override {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return woken_; });
    woken_ = false;
  }
  void wake() override {
    const std::lock_guard lock(mutex_);
    woken_ = true;
    changed_.notify_all();
  }

 private:
  static common::Error downError() {
    return common::makeError(common::ErrorKind::kUnavailable, "the scheduler is down", "fake");
  }
  common::Status change(std::int64_t id, const char* operation, PrintJobState state, const char* holdUntil) {
    const std::lock_guard lock(mutex_);
    if (down_) return downError();
    calls_.push_back({operation, std::to_string(id)});
    const auto found = jobs_.find(id);
    if (found == jobs_.end() || found->second.state >= PrintJobState::kCanceled) {
      return common::makeError(common::ErrorKind::kNotFound, "no such job", std::to_string(id));
    }
    found->second.state = state;
    if (*holdUntil != '\0') found->second.holdUntil = holdUntil;
    return common::Ok{};
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool woken_ = false;
  bool down_ = false;
  std::string server_;
  std::string spoolDir_;
  std::map<std::string, std::string> printers_;
  std::map<std::int64_t, PrintJobFacts> jobs_;
  std::map<std::int64_t, std::vector<std::string>> documents_;
  std::vector<Call> calls_;
  std::int64_t lastId_ = 0;
};

}  // namespace mamori::drivers::fake
