// RetentionEnforcer: retention for every configured topic, on a thread.
#include <chrono>
#include <vector>

#include "pdfs/topics/retention.h"

namespace pdfs::topics {

namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RetentionEnforcer::RetentionEnforcer(Store* store, Config config)
    : store_(store), config_(std::move(config)), thread_([this] { Loop(); }) {}

RetentionEnforcer::~RetentionEnforcer() { Stop(); }

uint64_t RetentionEnforcer::Kick() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t ticket = ++requested_;
  cv_.notify_all();
  return ticket;
}

bool RetentionEnforcer::WaitForPass(uint64_t ticket,
                                    std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return completed_ >= ticket || stopping_; });
  return completed_ >= ticket;
}

void RetentionEnforcer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

RetentionEnforcer::Counters RetentionEnforcer::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

void RetentionEnforcer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    // A pass every period, or as soon as a Kick() asks for one.
    cv_.wait_for(lock, config_.period, [&] { return stopping_ || requested_ > started_; });
    if (stopping_) break;
    uint64_t ticket = requested_;
    started_ = ticket;
    lock.unlock();
    RunPass();  // never under mu_: it waits for the store's writer queue
    lock.lock();
    completed_ = std::max(completed_, ticket);
    cv_.notify_all();
  }
}

void RetentionEnforcer::RunPass() {
  const int64_t now_ms = config_.now_ms ? config_.now_ms() : SystemNowMs();
  Counters delta;
  for (const TopicMeta& meta : store_->ListTopics()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    if (meta.system() || meta.config_version == 0) continue;  // never configured: keep all
    Result<LoadedSettings> loaded = LoadTopicSettings(*store_, meta.topic);
    if (!loaded.ok()) {
      if (loaded.status().IsNotFound()) continue;  // deleted since the listing
      if (loaded.status().IsInvalidArgument()) {
        ++delta.invalid_settings;
      } else {
        ++delta.errors;
        delta.last_error = loaded.status();
      }
      continue;
    }
    if (!loaded->settings.retention.any()) continue;
    Result<RetentionCut> cut =
        ApplyRetention(*store_, meta.topic, loaded->settings.retention, now_ms);
    if (!cut.ok()) {
      if (cut.status().IsNotFound()) continue;
      ++delta.errors;
      delta.last_error = cut.status();
      continue;
    }
    if (cut->removed() > 0) {
      ++delta.topics_trimmed;
      delta.items_removed += cut->removed();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.passes;
  counters_.topics_trimmed += delta.topics_trimmed;
  counters_.items_removed += delta.items_removed;
  counters_.invalid_settings += delta.invalid_settings;
  counters_.errors += delta.errors;
  if (!delta.last_error.ok()) counters_.last_error = delta.last_error;
}

}  // namespace pdfs::topics
