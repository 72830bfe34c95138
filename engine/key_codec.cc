// Encoding of keys and values; the grammar is in key_codec.h.
#include "key_codec.h"

namespace pdfs::engine {
namespace {

constexpr uint8_t kMetaFormat = 1;
constexpr size_t kMetaBytes = 1 + 6 * 8;

uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutFixed64BE(std::string* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst->push_back(static_cast<char>(v >> (56 - 8 * i)));
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

namespace {

constexpr uint8_t kChunkFormat = 2;
constexpr size_t kChunkHeaderBytes = 1 + 4 + 8 + 8 + 8 + 1;

void PutFixed32LE(std::string* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t DecodeFixed32LE(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

void EncodeChunk(const ChunkHeader& header, const std::string_view* docs, size_t count,
                 std::string* dst) {
  std::string_view ct = header.stored_type;
  if (ct.size() > 255) ct = ct.substr(0, 255);  // callers validate; never overflow the byte
  size_t data_bytes = 0;
  for (size_t i = 0; i < count; ++i) data_bytes += docs[i].size();
  dst->reserve(dst->size() + kChunkHeaderBytes + ct.size() + 4 * count + data_bytes);
  dst->push_back(static_cast<char>(kChunkFormat));
  PutFixed32LE(dst, static_cast<uint32_t>(count));
  PutFixed64LE(dst, header.first_serial);
  PutFixed64LE(dst, static_cast<uint64_t>(header.append_time_ms));
  PutFixed64LE(dst, header.first_offset);
  dst->push_back(static_cast<char>(ct.size()));
  dst->append(ct);
  uint32_t end = 0;
  for (size_t i = 0; i < count; ++i) {
    end += static_cast<uint32_t>(docs[i].size());
    PutFixed32LE(dst, end);
  }
  for (size_t i = 0; i < count; ++i) dst->append(docs[i]);
}

bool ChunkView::Parse(std::string_view value) {
  if (value.size() < kChunkHeaderBytes || static_cast<uint8_t>(value[0]) != kChunkFormat) {
    return false;
  }
  const char* p = value.data();
  raw_ = value;
  count_ = DecodeFixed32LE(p + 1);
  first_serial_ = DecodeFixed64LE(p + 5);
  append_time_ms_ = static_cast<int64_t>(DecodeFixed64LE(p + 13));
  first_offset_ = DecodeFixed64LE(p + 21);
  const size_t ct_len = static_cast<uint8_t>(p[29]);
  size_t pos = kChunkHeaderBytes;
  if (count_ == 0 || value.size() < pos + ct_len + 4 * size_t{count_}) return false;
  stored_type_ = value.substr(pos, ct_len);
  pos += ct_len;
  ends_ = p + pos;
  pos += 4 * size_t{count_};
  data_ = value.substr(pos);
  // Ends never decrease and the last is the data's size: then every
  // document() is within the value.
  uint32_t previous = 0;
  for (uint32_t i = 0; i < count_; ++i) {
    if (End(i) < previous) return false;
    previous = End(i);
  }
  return previous == data_.size();
}

uint32_t ChunkView::Start(uint32_t i) const { return i == 0 ? 0 : End(i - 1); }
uint32_t ChunkView::End(uint32_t i) const { return DecodeFixed32LE(ends_ + 4 * size_t{i}); }

std::string_view ChunkView::document(uint32_t i) const {
  return data_.substr(Start(i), End(i) - Start(i));
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

namespace {

constexpr uint8_t kConfigFormat = 1;
constexpr uint8_t kCollectionFormat = 1;
constexpr uint8_t kRecordFormat = 1;
constexpr char kConfigKeyPrefix[] = {'\0', 'c'};
constexpr char kIndexForward = 0x01;
constexpr char kIndexReverse = 0x02;

std::string_view ConfigPrefix() { return std::string_view(kConfigKeyPrefix, 2); }

void AppendEscaped(std::string* dst, std::string_view key) {
  for (char c : key) {
    dst->push_back(c);
    if (c == '\0') dst->push_back('\xff');
  }
}

}  // namespace

std::string ConfigKey(std::string_view topic) {
  std::string key(ConfigPrefix());
  key.append(topic);
  return key;
}

bool DecodeConfigKey(std::string_view key, std::string_view* topic) {
  if (key.size() <= 2 || key.substr(0, 2) != ConfigPrefix()) return false;
  *topic = key.substr(2);
  return true;
}

std::string EncodeConfig(const StoredConfig& config) {
  std::string v;
  v.reserve(9 + config.json.size());
  v.push_back(static_cast<char>(kConfigFormat));
  PutFixed64LE(&v, config.version);
  v.append(config.json);
  return v;
}

bool DecodeConfig(std::string_view value, StoredConfig* config) {
  if (value.size() < 9 || static_cast<uint8_t>(value[0]) != kConfigFormat) return false;
  config->version = DecodeFixed64LE(value.data() + 1);
  config->json.assign(value.substr(9));
  return config->version > 0;
}

std::string EncodeCollection(const StoredCollection& c) {
  std::string v;
  v.reserve(25);
  v.push_back(static_cast<char>(kCollectionFormat));
  PutFixed64LE(&v, c.id);
  PutFixed64LE(&v, c.revision);
  PutFixed64LE(&v, c.records);
  return v;
}

bool DecodeCollection(std::string_view value, StoredCollection* c) {
  if (value.size() < 25 || static_cast<uint8_t>(value[0]) != kCollectionFormat) return false;
  c->id = DecodeFixed64LE(value.data() + 1);
  c->revision = DecodeFixed64LE(value.data() + 9);
  c->records = DecodeFixed64LE(value.data() + 17);
  return true;
}

std::string RecordKey(uint64_t collection_id, std::string_view key) {
  std::string k;
  k.reserve(8 + key.size());
  PutFixed64BE(&k, collection_id);
  k.append(key);
  return k;
}

bool DecodeRecordKey(std::string_view raw, uint64_t* collection_id, std::string_view* key) {
  if (raw.size() < 8) return false;
  *collection_id = DecodeFixed64BE(raw.data());
  *key = raw.substr(8);
  return true;
}

std::string EncodeRecordValue(uint64_t version, std::string_view value) {
  std::string v;
  v.reserve(9 + value.size());
  v.push_back(static_cast<char>(kRecordFormat));
  PutFixed64LE(&v, version);
  v.append(value);
  return v;
}

bool DecodeRecordValue(std::string_view raw, uint64_t* version, std::string_view* value) {
  if (raw.size() < 9 || static_cast<uint8_t>(raw[0]) != kRecordFormat) return false;
  *version = DecodeFixed64LE(raw.data() + 1);
  *value = raw.substr(9);
  return *version > 0;
}

std::string IndexTopicBegin(uint64_t topic_id) {
  std::string k;
  PutFixed64BE(&k, topic_id);
  return k;
}

std::string IndexForwardLower(uint64_t topic_id, std::string_view key) {
  std::string k = IndexTopicBegin(topic_id);
  k.push_back(kIndexForward);
  AppendEscaped(&k, key);
  return k;
}

std::string IndexForwardUpper(uint64_t topic_id, std::string_view key) {
  if (key.empty()) {
    std::string k = IndexTopicBegin(topic_id);
    k.push_back(kIndexReverse);
    return k;
  }
  return IndexForwardLower(topic_id, key);
}

std::string IndexForwardPrefix(uint64_t topic_id, std::string_view key) {
  std::string k = IndexForwardLower(topic_id, key);
  k.push_back('\0');
  k.push_back('\x01');
  return k;
}

std::string IndexForwardKey(uint64_t topic_id, std::string_view key, uint64_t location) {
  std::string k = IndexForwardPrefix(topic_id, key);
  PutFixed64BE(&k, location);
  return k;
}

bool DecodeIndexForwardKey(std::string_view raw, std::string* key, uint64_t* location) {
  if (raw.size() < 8 + 1 + 2 + 8 || raw[8] != kIndexForward) return false;
  key->clear();
  const std::string_view body = raw.substr(9, raw.size() - 9 - 8);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\0') {
      key->push_back(body[i]);
      continue;
    }
    if (i + 1 >= body.size()) return false;
    if (body[i + 1] == '\xff') {
      key->push_back('\0');
      ++i;
    } else if (body[i + 1] == '\x01' && i + 2 == body.size()) {
      *location = DecodeFixed64BE(raw.data() + raw.size() - 8);
      return true;
    } else {
      return false;
    }
  }
  return false;
}

std::string IndexReverseKey(uint64_t topic_id, uint64_t location) {
  std::string k = IndexTopicBegin(topic_id);
  k.push_back(kIndexReverse);
  PutFixed64BE(&k, location);
  return k;
}

bool DecodeIndexReverseKey(std::string_view raw, uint64_t* location) {
  if (raw.size() != 17 || raw[8] != kIndexReverse) return false;
  *location = DecodeFixed64BE(raw.data() + 9);
  return true;
}

}  // namespace pdfs::engine
