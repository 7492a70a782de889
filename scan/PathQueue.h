#pragma once
// The hand-off between the directory walker and the scan threads: paths in batches, so a lock and a
// wake-up are paid per batch rather than per file when most files are answered quickly. Bounded, so
// memory is too.
//
// Once the walk has ended (close()), a batch is no longer handed out whole: a thread takes at most its
// share of what is left (the files queued over the number of threads, rounded up). Without that, the
// last batch went to one thread while the others had nothing left: a tree of 300 documents was
// scanned as 4 batches of 64 and a last one of 44 read by one thread alone.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace mamori::scan {

// A file listed by the walker with the lstat taken there (statErrno: why there is none).
struct ListedFile {
  std::string path;
  struct stat st {};
  int statErrno = 0;
};

template <typename Item>
class BatchQueue {
 public:
  using Batch = std::vector<Item>;

  BatchQueue(std::size_t consumers, std::size_t capacityBatches)
      : consumers_(std::max<std::size_t>(consumers, 1)), capacity_(std::max<std::size_t>(capacityBatches, 1)) {}

  // Blocks while the queue is full; false once closed (the batch is dropped).
  bool push(Batch batch) {
    std::unique_lock lock(mutex_);
    notFull_.wait(lock, [&] { return queue_.size() < capacity_ || closed_; });
    if (closed_) return false;
    items_ += batch.size();
    queue_.push_back(std::move(batch));
    notEmpty_.notify_one();
    return true;
  }

  // The next batch, or nothing once the queue is closed and empty.
  std::optional<Batch> pop() {
    std::unique_lock lock(mutex_);
    notEmpty_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return std::nullopt;
    Batch& front = queue_.front();
    const std::size_t share = (items_ + consumers_ - 1) / consumers_;
    if (closed_ && front.size() > share) {
      // The rest of the front batch stays for the next thread, in the walker's order.
      Batch taken(std::make_move_iterator(front.begin()),
                  std::make_move_iterator(front.begin() + static_cast<std::ptrdiff_t>(share)));
      front.erase(front.begin(), front.begin() + static_cast<std::ptrdiff_t>(share));
      items_ -= taken.size();
      return taken;
    }
    Batch batch = std::move(front);
    queue_.pop_front();
    items_ -= batch.size();
    notFull_.notify_one();
    return batch;
  }

  // No more pushes: waiting threads are woken, and what is queued is shared out by pop().
  void close() {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    notEmpty_.notify_all();
    notFull_.notify_all();
  }

 private:
  const std::size_t consumers_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable notEmpty_;
  std::condition_variable notFull_;
  std::deque<Batch> queue_;
  std::size_t items_ = 0;  // files in queue_
  bool closed_ = false;
};

using PathQueue = BatchQueue<ListedFile>;

}  // namespace mamori::scan
