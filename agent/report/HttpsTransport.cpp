#include "agent/report/HttpsTransport.h"

#include <QMetaObject>

#include <chrono>

#include "common/Gzip.h"
#include "common/Log.h"
#include "common/ThreadName.h"

namespace mamori::agent {

common::Result<std::unique_ptr<HttpsTransport>> HttpsTransport::create(const common::net::HttpsClientOptions& options) {
  auto client = common::net::HttpsClient::create(options);
  if (!client) return client.error();
  return std::unique_ptr<HttpsTransport>(new HttpsTransport(std::move(client).value()));
}

HttpsTransport::HttpsTransport(std::unique_ptr<common::net::HttpsClient> client)
    : receiver_(std::make_unique<QObject>()), shared_(std::make_shared<Shared>()) {
  shared_->receiver = receiver_.get();
  shared_->client = std::move(client);  // from now on touched by the worker only
  worker_ = std::thread([shared = shared_] {
    common::nameThisThread("mamori-upload");
    run(shared);
  });
}

HttpsTransport::~HttpsTransport() { stop(0); }

void HttpsTransport::post(TransportRequest request, TransportCallback done) {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->stopping) return;
    shared_->jobs.push_back({std::move(request), std::move(done)});
  }
  shared_->wake.notify_one();
}

bool HttpsTransport::stop(int graceMs) {
  if (!worker_.joinable()) return true;
  bool finished = false;
  {
    std::unique_lock lock(shared_->mutex);
    shared_->stopping = true;
    shared_->jobs.clear();
    shared_->wake.notify_one();
    finished = shared_->idle.wait_for(lock, std::chrono::milliseconds(graceMs), [&] { return !shared_->busy; });
    shared_->deliver = false;  // under the lock: the worker checks it under the same lock
  }
  if (finished) {
    worker_.join();
  } else {
    common::log::warning("an upload is still in progress at shutdown; abandoning it (its events stay spooled)");
    worker_.detach();
  }
  receiver_.reset();
  return finished;
}

void HttpsTransport::run(const std::shared_ptr<Shared>& shared) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(shared->mutex);
      shared->wake.wait(lock, [&] { return shared->stopping || !shared->jobs.empty(); });
      if (shared->stopping) return;
      job = std::move(shared->jobs.front());
      shared->jobs.pop_front();
      shared->busy = true;
    }
    TransportResult result = common::makeError("not sent");
    try {
      common::net::Headers headers = job.request.headers;
      std::string body;
      if (job.request.gzip) {
        body = common::gzipCompress(job.request.body);
        headers.emplace_back("Content-Encoding", "gzip");
      } else {
        body = std::move(job.request.body);
      }
      result = shared->client->request(job.request.method, job.request.path, body, headers);
      if (job.request.closeAfter) {
        std::unique_lock lock(shared->mutex);
        const bool moreWaiting = !shared->jobs.empty();
        lock.unlock();
        if (!moreWaiting) shared->client->disconnect();
      }
    } catch (const std::exception& e) {  // nothing may escape a worker thread
      result = common::makeError(std::string("request failed: ") + e.what(), job.request.path);
    }
    {
      std::lock_guard lock(shared->mutex);
      shared->busy = false;
      if (shared->deliver && shared->receiver) {
        QMetaObject::invokeMethod(
            shared->receiver, [done = std::move(job.done), result]() mutable { done(std::move(result)); },
            Qt::QueuedConnection);
      }
      shared->idle.notify_all();
    }
  }
}

}  // namespace mamori::agent
