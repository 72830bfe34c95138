// Encoding of keys and values; the grammar is in key_codec.h.
#include "key_codec.h"

namespace pdfs::engine {
namespace {

constexpr uint8_t kRecordFormat = 1;
constexpr uint8_t kMetaFormat = 1;
constexpr size_t kRecordHeaderBytes = 1 + 8 + 8 + 8 + 1;
constexpr size_t kMetaBytes = 1 + 6 * 8;

uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

void PutFixed64LE(std::string* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t DecodeFixed64LE(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

DocKey EncodeDocKey(uint64_t topic_id, uint64_t location) {
  DocKey key;
  for (int i = 0; i < 8; ++i) {
    key[i] = static_cast<char>(topic_id >> (56 - 8 * i));
    key[8 + i] = static_cast<char>(location >> (56 - 8 * i));
  }
  return key;
}

bool DecodeDocKey(std::string_view key, uint64_t* topic_id, uint64_t* location) {
  if (key.size() != kDocKeyBytes) return false;
  *topic_id = DecodeFixed64BE(key.data());
  *location = DecodeFixed64BE(key.data() + 8);
  return true;
}

void EncodeRecord(const RecordHeader& header, std::string_view data, std::string* dst) {
  std::string_view ct = header.content_type == kJsonContentType ? "" : header.content_type;
  if (ct.size() > 255) ct = ct.substr(0, 255);  // callers validate; never overflow the length byte
  dst->reserve(dst->size() + kRecordHeaderBytes + ct.size() + data.size());
  dst->push_back(static_cast<char>(kRecordFormat));
  PutFixed64LE(dst, header.serial);
  PutFixed64LE(dst, static_cast<uint64_t>(header.append_time_ms));
  PutFixed64LE(dst, header.offset);
  dst->push_back(static_cast<char>(ct.size()));
  dst->append(ct);
  dst->append(data);
}

bool DecodeRecord(std::string_view value, RecordHeader* header, std::string_view* data) {
  if (value.size() < kRecordHeaderBytes || static_cast<uint8_t>(value[0]) != kRecordFormat) {
    return false;
  }
  const char* p = value.data();
  header->serial = DecodeFixed64LE(p + 1);
  header->append_time_ms = static_cast<int64_t>(DecodeFixed64LE(p + 9));
  header->offset = DecodeFixed64LE(p + 17);
  size_t ct_len = static_cast<uint8_t>(p[25]);
  if (value.size() < kRecordHeaderBytes + ct_len) return false;
  header->content_type = ct_len == 0 ? kJsonContentType : value.substr(kRecordHeaderBytes, ct_len);
  *data = value.substr(kRecordHeaderBytes + ct_len);
  return true;
}

std::string EncodeMeta(const StoredMeta& meta) {
  std::string v;
  v.reserve(kMetaBytes);
  v.push_back(static_cast<char>(kMetaFormat));
  PutFixed64LE(&v, meta.id);
  PutFixed64LE(&v, meta.count);
  PutFixed64LE(&v, meta.first);
  PutFixed64LE(&v, meta.first_offset);
  PutFixed64LE(&v, meta.end_offset);
  PutFixed64LE(&v, static_cast<uint64_t>(meta.last_append_ms));
  return v;
}

bool DecodeMeta(std::string_view value, StoredMeta* meta) {
  if (value.size() < kMetaBytes || static_cast<uint8_t>(value[0]) != kMetaFormat) return false;
  const char* p = value.data() + 1;
  meta->id = DecodeFixed64LE(p);
  meta->count = DecodeFixed64LE(p + 8);
  meta->first = DecodeFixed64LE(p + 16);
  meta->first_offset = DecodeFixed64LE(p + 24);
  meta->end_offset = DecodeFixed64LE(p + 32);
  meta->last_append_ms = static_cast<int64_t>(DecodeFixed64LE(p + 40));
  return true;
}

}  // namespace pdfs::engine
