// What `pdfs write` and `pdfs publish` share: reading stdin as it comes and
// sending what it holds in bounded, atomic requests, printing each assigned
// location (offset) on a line of its own, so line i of the output belongs to
// item i of the input.
//
// Failure: every item before the failing point is stored and nothing from it
// on; Summary() says what was stored. Each request is atomic on the server,
// but the input as a whole is not (it may be endless).
#ifndef PDFS_MOUNTD_CLIENT_SENDER_H_
#define PDFS_MOUNTD_CLIENT_SENDER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/status.h"

namespace pdfs::mountd {

// What stdin is read in.
inline constexpr size_t kReadBytes = 64 * 1024;
// A request body stays under this (one larger item goes alone). Measured on
// loopback against `pdfs serve` (sync on), 200k documents of 100 bytes:
// --batch 10 took 5.7 s, 100 1.0 s, 1000 0.3 s, 10000 0.27 s; 20k documents of
// 4 KiB went at the same ~100 MB/s with bodies from 400 KiB to 4 MiB, and
// peak memory was 17 MiB with 1 MiB bodies against 28 MiB with 4 MiB.
inline constexpr size_t kBatchBytes = size_t{1} << 20;

// True iff a read() of stdin would return at once (data or end of input): a
// batch goes out whenever stdin has nothing more at the moment, so items
// piped in slowly (tail -f | pdfs write) are stored as they come.
bool StdinReady();

class BatchSender {
 public:
  // Stores the `count` items of a JSON array; the locations assigned, in order.
  using SendFn =
      std::function<Result<std::vector<uint64_t>>(const std::string& array, size_t count)>;

  // `noun` names an item in messages ("document", "message"), `place` what
  // the server assigns it ("location", "offset").
  BatchSender(SendFn send, size_t batch_items, std::string noun, std::string place)
      : send_(std::move(send)),
        batch_items_(batch_items),
        noun_(std::move(noun)),
        place_(std::move(place)) {}

  // Sends every item, each one JSON text, in requests of at most batch_items
  // items and kBatchBytes, printing the locations.
  Status Send(const std::vector<std::string_view>& items);

  // What was stored, to follow the sentence saying what failed. Items are
  // stored in input order, so it is always a prefix of stdin.
  std::string Summary() const;

 private:
  Status Print(const std::vector<uint64_t>& locations);
  std::string Locations() const;
  std::string Items(uint64_t n) const;

  const SendFn send_;
  const size_t batch_items_;
  const std::string noun_;
  const std::string place_;
  uint64_t stored_ = 0;
  uint64_t first_ = 0;
  uint64_t last_ = 0;
  bool contiguous_ = true;
  size_t unknown_ = 0;  // items in a request whose answer was lost
};

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_CLIENT_SENDER_H_
