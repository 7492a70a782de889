#pragma once
// Compiled YARA rules, owned. Shared (std::shared_ptr<const YaraRules>) between the policy and the
// scanners: libyara allows many scanners over one YR_RULES, at most 32 at a time. Built with their
// source, they carry the literal prefilter that source allows (policy/YaraPrefilter, or none).
// Deferred rules (compiled bytes from a cache) are handed to libyara on first use, so a run that
// scans nothing (a re-scan of an unchanged tree) never starts libyara (docs/decisions/0054).

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "policy/YaraPrefilter.h"

struct YR_RULES;  // libyara's type; its headers stay out of ours

namespace mamori::policy {

class YaraRules {
 public:
  // Takes ownership of rules (from yr_compiler_get_rules or a load); source is what they were
  // compiled from (empty: no prefilter).
  explicit YaraRules(YR_RULES* rules, std::string_view source = {});
  // Rules that load builds on first use (from any thread, once): for a cache's compiled bytes,
  // libyara started and the bytes loaded only when a scan needs them.
  using Loader = std::function<common::Result<std::shared_ptr<const YaraRules>>()>;
  explicit YaraRules(Loader load);

  // Null only when deferred rules failed to load (loadError() says why).
  YR_RULES* get() const { return built().rules_.get(); }

  // Null when the rules cannot be prefiltered (or were built without their source).
  const YaraPrefilter* prefilter() const { return built().prefilter_.get(); }
  // Why there is none (empty when there is one).
  const std::string& noPrefilterReason() const { return built().noPrefilterReason_; }
  // False while deferred rules were not used yet (libyara not asked). Tests and YaraScanner.
  bool loaded() const { return !load_ || tried_.load(); }
  // Why deferred rules could not be loaded (empty otherwise).
  const std::string& loadError() const {
    (void)built();
    return loadError_;
  }

 private:
  struct Deleter {
    void operator()(YR_RULES* rules) const;
  };
  // These rules, or for deferred ones what the loader built (loaded on the first call).
  const YaraRules& built() const;

  Loader load_;  // empty: built at construction
  mutable std::once_flag once_;
  mutable std::shared_ptr<const YaraRules> inner_;  // deferred: the loaded rules (null on failure)
  mutable std::string loadError_;
  mutable std::atomic<bool> tried_{false};
  std::unique_ptr<YR_RULES, Deleter> rules_;
  std::string noPrefilterReason_;
  std::unique_ptr<const YaraPrefilter> prefilter_;
};

}  // namespace mamori::policy
