// byte_lru.h: ByteLru, a least-recently-used map bounded by the bytes its
// values stand for (the loaded models, the dataset tables), the one eviction
// rule evgen's caches share.
//
// Values are shared_ptrs handed out read-only: an entry evicted while a call
// still holds its value stays alive until that call lets go. Evicted values
// are moved into a caller's vector instead of being destroyed in place, so a
// store that guards the cache with a mutex can free a large table or model
// after unlocking.
//
// Threading: none; the owner locks.
//
// Example:
//   ByteLru<std::string, const Table> cache(int64_t{1} << 30);
//   std::vector<std::shared_ptr<const Table>> dropped;
//   cache.Insert("qcd", table, table_bytes, &dropped);
//   if (auto hit = cache.Find("qcd")) ...
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace evgen {

template <typename Key, typename Value>
class ByteLru {
 public:
  using Dropped = std::vector<std::shared_ptr<Value>>;

  explicit ByteLru(int64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // Find returns the value and marks it the most recently used, or null.
  std::shared_ptr<Value> Find(const Key& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.position);
    return it->second.value;
  }

  // Insert replaces any entry of `key`, then evicts the least recently used
  // until `bytes` fit. A value larger than the whole capacity is not kept
  // (the caller still uses it; the next call loads it again).
  void Insert(const Key& key, std::shared_ptr<Value> value, int64_t bytes, Dropped* dropped) {
    Erase(key, dropped);
    if (bytes > capacity_bytes_) return;
    while (bytes_ + bytes > capacity_bytes_ && !order_.empty()) Erase(order_.back(), dropped);
    order_.push_front(key);
    entries_[key] = Entry{std::move(value), bytes, order_.begin()};
    bytes_ += bytes;
  }

  void Erase(const Key& key, Dropped* dropped) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    bytes_ -= it->second.bytes;
    order_.erase(it->second.position);
    dropped->push_back(std::move(it->second.value));
    entries_.erase(it);
  }

  // EraseIf erases every entry whose key satisfies `pred`.
  template <typename Pred>
  void EraseIf(Pred pred, Dropped* dropped) {
    std::vector<Key> doomed;
    for (const auto& [key, entry] : entries_) {
      if (pred(key)) doomed.push_back(key);
    }
    for (const Key& key : doomed) Erase(key, dropped);
  }

  int64_t bytes() const { return bytes_; }
  int64_t capacity_bytes() const { return capacity_bytes_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::shared_ptr<Value> value;
    int64_t bytes = 0;
    typename std::list<Key>::iterator position;
  };
  int64_t capacity_bytes_;
  int64_t bytes_ = 0;
  std::map<Key, Entry> entries_;
  std::list<Key> order_;  // the most recently used first
};

}  // namespace evgen
