// Hub content keys and time paths.
#include "pdfs/hub/keys.h"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <random>

namespace pdfs::hub {

namespace {

// ASCII order: '0' < '9' < 'A' < 'Z' < 'a' < 'z', so digit value order and
// byte order agree. Everything below relies on it.
constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static_assert(kAlphabet.size() == 62);

constexpr int64_t kMsPerDay = 86'400'000;

// The digit value of `c`, or -1 outside the alphabet.
int DigitOf(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c >= 'a' && c <= 'z') return c - 'a' + 36;
  return -1;
}

// Floor division: times before 1970 must land in the day that contains
// them, not the one after (C++ `/` truncates toward zero).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Proleptic Gregorian calendar in 400-year eras (146,097 days each), with
// years starting on March 1st so that the leap day is the last day of a
// year; after H. Hinnant's "chrono-compatible low-level date algorithms".
// All int64_t: every day count of an int64_t of ms (about ±292,000 years)
// stays far from overflow.
struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

int64_t DaysSinceEpoch(int64_t year, int month, int day) {
  const int64_t y = month <= 2 ? year - 1 : year;  // the March-based year
  const int64_t era = FloorDiv(y, 400);
  const int64_t year_of_era = y - era * 400;                      // [0, 399]
  const int64_t march_month = month > 2 ? month - 3 : month + 9;  // [0, 11], March = 0
  const int64_t day_of_year = (153 * march_month + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  // 719,468 days from 0000-03-01 to 1970-01-01.
  return era * 146'097 + day_of_era - 719'468;
}

CivilDate CivilOfDays(int64_t days) {
  const int64_t shifted = days + 719'468;  // days since 0000-03-01
  const int64_t era = FloorDiv(shifted, 146'097);
  const int64_t day_of_era = shifted - era * 146'097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  const int64_t march_month = (5 * day_of_year + 2) / 153;                     // [0, 11]
  const int day = static_cast<int>(day_of_year - (153 * march_month + 2) / 5 + 1);
  const int month = static_cast<int>(march_month < 10 ? march_month + 3 : march_month - 9);
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

struct Civil {
  CivilDate date;
  int hour, minute, second, millis;
};

Civil CivilOfMs(int64_t ms) {
  const int64_t days = FloorDiv(ms, kMsPerDay);
  // The remainder taken directly: days * kMsPerDay overflows for the
  // earliest days an int64_t of ms can name (UBSan found it at INT64_MIN).
  int64_t rest = ms % kMsPerDay;    // (-kMsPerDay, kMsPerDay)
  if (rest < 0) rest += kMsPerDay;  // [0, kMsPerDay)
  Civil c{CivilOfDays(days), 0, 0, 0, 0};
  c.millis = static_cast<int>(rest % 1000);
  rest /= 1000;
  c.second = static_cast<int>(rest % 60);
  rest /= 60;
  c.minute = static_cast<int>(rest % 60);
  c.hour = static_cast<int>(rest / 60);
  return c;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out += '"';
  return out;
}

// Parses one all-digit time component of `min_digits`..`max_digits` digits
// into `value` and checks it is in [lo, hi]; the sentence names it by `name`.
Status ParseComponent(std::string_view text, std::string_view name, size_t min_digits,
                      size_t max_digits, int lo, int hi, int* value) {
  bool digits = !text.empty();
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (!digits || text.size() < min_digits || text.size() > max_digits) {
    std::string want = min_digits == max_digits ? std::to_string(min_digits) + " digits"
                                                : std::to_string(min_digits) + " to " +
                                                      std::to_string(max_digits) + " digits";
    return Status::InvalidArgument(std::string(name) + " " + Quoted(text) + " is not " + want);
  }
  int v = 0;
  for (char c : text) v = v * 10 + (c - '0');  // at most 4 digits: no overflow
  if (v < lo || v > hi) {
    return Status::InvalidArgument(std::string(name) + " " + std::to_string(v) + " is not in " +
                                   std::to_string(lo) + ".." + std::to_string(hi));
  }
  *value = v;
  return Status::Ok();
}

}  // namespace

std::string HashOfLocation(uint64_t location) {
  std::string out(kLocationHashLength, '0');
  for (size_t i = kLocationHashLength; i-- > 0 && location != 0;) {
    out[i] = kAlphabet[location % 62];
    location /= 62;
  }
  return out;
}

std::optional<uint64_t> LocationOfHash(std::string_view hash) {
  if (hash.size() != kLocationHashLength) return std::nullopt;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t value = 0;
  for (char c : hash) {
    const int d = DigitOf(c);
    if (d < 0) return std::nullopt;
    // value * 62 + d <= kMax, without overflowing on the way.
    if (value > (kMax - static_cast<uint64_t>(d)) / 62) return std::nullopt;
    value = value * 62 + static_cast<uint64_t>(d);
  }
  return value;
}

std::string ContentKey::ToPath() const {
  const Civil c = CivilOfMs(time_ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04" PRId64 "/%02d/%02d/%02d/%02d/%02d/%03d/", c.date.year,
                c.date.month, c.date.day, c.hour, c.minute, c.second, c.millis);
  return buf + hash;
}

std::string PeriodPath(int64_t start_ms, TimeUnit unit) {
  // ToPath has 7 components and a slash after each; a day keeps 3 of them.
  const int components = 3 + static_cast<int>(unit) - static_cast<int>(TimeUnit::kDay);
  std::string path = ContentKey{start_ms, ""}.ToPath();
  size_t end = 0;
  for (int i = 0; i < components; ++i) end = path.find('/', end) + 1;
  path.resize(end - 1);
  return path;
}

ContentKey KeyOf(int64_t time_ms, uint64_t location) {
  return ContentKey{time_ms, HashOfLocation(location)};
}

std::string FormatIso8601Millis(int64_t ms) {
  const Civil c = CivilOfMs(ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03dZ", c.date.year,
                c.date.month, c.date.day, c.hour, c.minute, c.second, c.millis);
  return buf;
}

int64_t UnitMs(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kDay:
      return kMsPerDay;
    case TimeUnit::kHour:
      return 3'600'000;
    case TimeUnit::kMinute:
      return 60'000;
    case TimeUnit::kSecond:
      return 1'000;
    case TimeUnit::kMillis:
      return 1;
  }
  return 1;  // unreachable: every enumerator is handled above
}

Result<TimePath> ParseTimePath(const std::vector<std::string_view>& segments) {
  if (segments.size() < 3 || segments.size() > 8) {
    return Status::InvalidArgument(
        "a time path has 3 to 8 segments (year/month/day[/hour[/minute[/second[/millis[/hash]]]]]"
        "), not " +
        std::to_string(segments.size()));
  }
  int year = 0, month = 0, day = 0;
  if (Status s = ParseComponent(segments[0], "year", 4, 4, 1970, 9999, &year); !s.ok()) return s;
  if (Status s = ParseComponent(segments[1], "month", 1, 2, 1, 12, &month); !s.ok()) return s;
  const int last_day = DaysInMonth(year, month);
  if (Status s = ParseComponent(segments[2], "day", 1, 2, 1, 31, &day); !s.ok()) return s;
  if (day > last_day) {
    char ym[16];
    std::snprintf(ym, sizeof ym, "%04d/%02d", year, month);
    return Status::InvalidArgument("day " + std::to_string(day) + " is not in 1.." +
                                   std::to_string(last_day) + " for " + ym);
  }
  TimePath path;
  path.unit = TimeUnit::kDay;
  int hour = 0, minute = 0, second = 0, millis = 0;
  if (segments.size() > 3) {
    if (Status s = ParseComponent(segments[3], "hour", 1, 2, 0, 23, &hour); !s.ok()) return s;
    path.unit = TimeUnit::kHour;
  }
  if (segments.size() > 4) {
    if (Status s = ParseComponent(segments[4], "minute", 1, 2, 0, 59, &minute); !s.ok()) return s;
    path.unit = TimeUnit::kMinute;
  }
  if (segments.size() > 5) {
    if (Status s = ParseComponent(segments[5], "second", 1, 2, 0, 59, &second); !s.ok()) return s;
    path.unit = TimeUnit::kSecond;
  }
  if (segments.size() > 6) {
    if (Status s = ParseComponent(segments[6], "millis", 3, 3, 0, 999, &millis); !s.ok()) return s;
    path.unit = TimeUnit::kMillis;
  }
  if (segments.size() > 7) {
    const std::string_view hash = segments[7];
    bool valid = !hash.empty() && hash.size() <= kMaxHashLength;
    for (char c : hash) valid = valid && DigitOf(c) >= 0;
    if (!valid) {
      return Status::InvalidArgument("hash " + Quoted(hash.substr(0, kMaxHashLength + 1)) +
                                     " is not 1 to " + std::to_string(kMaxHashLength) +
                                     " characters of [0-9A-Za-z]");
    }
    path.hash = std::string(hash);
  }
  path.start_ms = DaysSinceEpoch(year, month, day) * kMsPerDay +
                  ((static_cast<int64_t>(hour) * 60 + minute) * 60 + second) * 1000 + millis;
  return path;
}

std::string IndexKeyOf(const ContentKey& key) {
  std::string out(kIndexKeyPrefix);
  const uint64_t biased = static_cast<uint64_t>(key.time_ms) ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((biased >> shift) & 0xFF));
  }
  out += key.hash;
  return out;
}

std::optional<ContentKey> ContentKeyOfIndex(std::string_view index_key) {
  if (!index_key.starts_with(kIndexKeyPrefix)) return std::nullopt;
  index_key.remove_prefix(kIndexKeyPrefix.size());
  if (index_key.size() <= 8) return std::nullopt;
  uint64_t biased = 0;
  for (int i = 0; i < 8; ++i) biased = (biased << 8) | static_cast<unsigned char>(index_key[i]);
  return ContentKey{static_cast<int64_t>(biased ^ (uint64_t{1} << 63)),
                    std::string(index_key.substr(8))};
}

std::string IndexKeysEnd() {
  // "hub/" -> "hub0": the prefix with its last byte incremented.
  std::string end(kIndexKeyPrefix);
  ++end.back();
  return end;
}

bool IsHistorical(const Record& record) { return ContentKeyOfIndex(record.index_key).has_value(); }

ContentKey KeyOfRecord(const Record& record) {
  if (std::optional<ContentKey> own = ContentKeyOfIndex(record.index_key)) return *std::move(own);
  return KeyOf(record.append_time_ms, record.location);
}

std::string RandomHash() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> digit(0, kAlphabet.size() - 1);
  std::string out;
  for (size_t i = 0; i < kRandomHashLength; ++i) out.push_back(kAlphabet[digit(rng)]);
  return out;
}

Result<int64_t> ParseIso8601Millis(std::string_view text) {
  auto refuse = [&] {
    return Status::InvalidArgument("\"" + std::string(text.substr(0, 64)) +
                                   "\" is not a UTC time like 2019-02-22T17:59:51.793Z");
  };
  // yyyy-MM-ddTHH:mm:ss[.SSS]Z: the separators at fixed places, then the
  // components checked by the time path parser.
  if (text.size() != 20 && text.size() != 24) return refuse();
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text.back() != 'Z' || (text.size() == 24 && text[19] != '.')) {
    return refuse();
  }
  const std::vector<std::string_view> segments = {text.substr(0, 4),
                                                  text.substr(5, 2),
                                                  text.substr(8, 2),
                                                  text.substr(11, 2),
                                                  text.substr(14, 2),
                                                  text.substr(17, 2),
                                                  text.size() == 24 ? text.substr(20, 3) : "000"};
  Result<TimePath> path = ParseTimePath(segments);
  if (!path.ok()) {
    return Status::InvalidArgument("\"" + std::string(text) + "\": " + path.status().message());
  }
  return path->start_ms;
}

}  // namespace pdfs::hub
