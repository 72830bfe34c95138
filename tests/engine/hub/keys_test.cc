// Hub content keys: the location hash, key order and format, ISO 8601, and
// time paths.
#include "pdfs/hub/keys.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace pdfs::hub {
namespace {

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

Result<TimePath> Parse(std::string_view path) { return ParseTimePath(Split(path)); }

// The ms of a UTC civil time, computed with <chrono> as an independent check.
int64_t MsOf(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  using namespace std::chrono;
  const sys_days date{year{y} / month{mo} / day{d}};
  return duration_cast<milliseconds>(date.time_since_epoch()).count() +
         ((int64_t{h} * 60 + mi) * 60 + s) * 1000 + ms;
}

TEST(HubKeysTest, HashesRoundTripAtTheEdges) {
  EXPECT_EQ(HashOfLocation(0), "00000000000");
  EXPECT_EQ(HashOfLocation(61), "0000000000z");
  EXPECT_EQ(HashOfLocation(62), "00000000010");
  EXPECT_EQ(HashOfLocation(kMaxU64), "LygHa16AHYF");
  for (uint64_t loc : {uint64_t{0}, uint64_t{1}, uint64_t{61}, uint64_t{62}, uint64_t{3843},
                       uint64_t{3844}, uint64_t{1} << 32, kMaxU64 - 1, kMaxU64}) {
    const std::string h = HashOfLocation(loc);
    EXPECT_EQ(h.size(), kLocationHashLength);
    EXPECT_EQ(LocationOfHash(h), loc) << h;
  }
}

TEST(HubKeysTest, OnlyElevenAlphabetCharactersUpToTheMaximumDecode) {
  EXPECT_EQ(LocationOfHash(""), std::nullopt);
  EXPECT_EQ(LocationOfHash("A"), std::nullopt);
  EXPECT_EQ(LocationOfHash("0000000000"), std::nullopt);    // 10
  EXPECT_EQ(LocationOfHash("000000000000"), std::nullopt);  // 12
  EXPECT_EQ(LocationOfHash("0000000000-"), std::nullopt);   // not in the alphabet
  EXPECT_EQ(LocationOfHash("0000000000 "), std::nullopt);
  EXPECT_EQ(LocationOfHash("LygHa16AHYG"), std::nullopt);  // UINT64_MAX + 1
  EXPECT_EQ(LocationOfHash("zzzzzzzzzzz"), std::nullopt);  // 62^11 - 1
  EXPECT_EQ(LocationOfHash("LygHa16AHYE"), kMaxU64 - 1);
}

TEST(HubKeysTest, HashOrderIsLocationOrder) {
  std::mt19937_64 rng(20261203);
  for (int i = 0; i < 100000; ++i) {
    // Mix full-range values with small ones, where most digits are padding.
    uint64_t a = rng(), b = rng();
    if (i % 2 == 0) a >>= rng() % 64, b >>= rng() % 64;
    const std::string ha = HashOfLocation(a), hb = HashOfLocation(b);
    ASSERT_EQ(a < b, ha < hb) << a << " " << b;
    ASSERT_EQ(a == b, ha == hb);
  }
  for (uint64_t a = 0; a < 5000; ++a) ASSERT_LT(HashOfLocation(a), HashOfLocation(a + 1));
}

TEST(HubKeysTest, KeysOrderByTimeThenHashAsBytes) {
  const ContentKey early{1000, "zzz"};
  const ContentKey late{1001, "0"};
  EXPECT_LT(early, late);
  EXPECT_LT((ContentKey{1000, "A"}), (ContentKey{1000, "a"}));   // 'A' < 'a'
  EXPECT_LT((ContentKey{1000, "9"}), (ContentKey{1000, "A"}));   // '9' < 'A'
  EXPECT_LT((ContentKey{1000, "A"}), (ContentKey{1000, "A0"}));  // a prefix comes first
  EXPECT_LT(KeyOf(1000, 5), KeyOf(1000, 6));
  // A short hash sorts among location hashes by its characters: "A" is after
  // every hash of a first digit '0'..'9' and before those beginning with 'A'.
  EXPECT_GT((ContentKey{1000, "A"}), KeyOf(1000, 0));
  // 62^10 * 10 is "A0000000000".
  EXPECT_GT((ContentKey{1000, "A"}), KeyOf(1000, 10 * 839299365868340224ull - 1));
  EXPECT_LT((ContentKey{1000, "A"}), KeyOf(1000, 10 * 839299365868340224ull));
  EXPECT_EQ(KeyOf(7, 3), (ContentKey{7, "00000000003"}));
}

TEST(HubKeysTest, PathsAndIsoTimesAreUtcWithMillis) {
  const int64_t t = MsOf(2019, 2, 22, 17, 59, 51, 793);
  EXPECT_EQ(FormatIso8601Millis(t), "2019-02-22T17:59:51.793Z");
  EXPECT_EQ((ContentKey{t, "G4Xog0"}).ToPath(), "2019/02/22/17/59/51/793/G4Xog0");
  EXPECT_EQ(KeyOf(0, 62).ToPath(), "1970/01/01/00/00/00/000/00000000010");
  EXPECT_EQ(FormatIso8601Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601Millis(MsOf(2024, 2, 29, 23, 59, 59, 999)), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601Millis(MsOf(2000, 3, 1)), "2000-03-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(MsOf(9999, 12, 31, 23, 59, 59, 999)), "9999-12-31T23:59:59.999Z");
  // Total over int64_t: the extremes format without overflow.
  EXPECT_FALSE(FormatIso8601Millis(std::numeric_limits<int64_t>::max()).empty());
  EXPECT_FALSE(FormatIso8601Millis(std::numeric_limits<int64_t>::min()).empty());
}

TEST(HubKeysTest, FormattingAgreesWithChronoOverManyDays) {
  using namespace std::chrono;
  std::mt19937_64 rng(7);
  const int64_t lo = MsOf(1900, 1, 1), hi = MsOf(2400, 1, 1);
  for (int i = 0; i < 20000; ++i) {
    const int64_t ms = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
    const sys_time<milliseconds> tp{milliseconds{ms}};
    const sys_days day = floor<days>(tp);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> hms{tp - day};
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    ASSERT_EQ(FormatIso8601Millis(ms), want) << ms;
  }
}

TEST(HubKeysTest, TimePathsOfEveryLength) {
  Result<TimePath> day = Parse("2019/02/22");
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  EXPECT_EQ(day->start_ms, MsOf(2019, 2, 22));
  EXPECT_EQ(day->unit, TimeUnit::kDay);
  EXPECT_EQ(day->end_ms(), MsOf(2019, 2, 23));
  EXPECT_EQ(day->hash, std::nullopt);

  Result<TimePath> hour = Parse("2019/02/22/17");
  ASSERT_TRUE(hour.ok());
  EXPECT_EQ(hour->start_ms, MsOf(2019, 2, 22, 17));
  EXPECT_EQ(hour->unit, TimeUnit::kHour);
  EXPECT_EQ(hour->end_ms(), MsOf(2019, 2, 22, 18));

  Result<TimePath> minute = Parse("2019/02/22/17/59");
  ASSERT_TRUE(minute.ok());
  EXPECT_EQ(minute->unit, TimeUnit::kMinute);
  EXPECT_EQ(minute->end_ms(), MsOf(2019, 2, 22, 18, 0));

  Result<TimePath> second = Parse("2019/02/22/17/59/51");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->unit, TimeUnit::kSecond);
  EXPECT_EQ(second->start_ms, MsOf(2019, 2, 22, 17, 59, 51));
  EXPECT_EQ(second->end_ms(), second->start_ms + 1000);

  Result<TimePath> millis = Parse("2019/02/22/17/59/51/793");
  ASSERT_TRUE(millis.ok());
  EXPECT_EQ(millis->unit, TimeUnit::kMillis);
  EXPECT_EQ(millis->start_ms, MsOf(2019, 2, 22, 17, 59, 51, 793));
  EXPECT_EQ(millis->end_ms(), millis->start_ms + 1);

  Result<TimePath> key = Parse("2019/02/22/17/59/51/793/G4Xog0");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->start_ms, millis->start_ms);
  EXPECT_EQ(key->hash, "G4Xog0");
  // Any hash of the alphabet is a start point, up to 64 characters.
  EXPECT_EQ(Parse("2019/02/22/17/59/51/793/A")->hash, "A");
  EXPECT_TRUE(Parse("2019/02/22/17/59/51/793/" + std::string(64, 'z')).ok());
  // A key's path parses back to the key.
  const ContentKey k = KeyOf(MsOf(2026, 12, 3, 11, 58, 7, 42), 123456789);
  std::string p = k.ToPath();
  Result<TimePath> back = Parse(p);
  ASSERT_TRUE(back.ok()) << p;
  EXPECT_EQ((ContentKey{back->start_ms, *back->hash}), k);
  // One-digit components read as integers, as the Hub does.
  EXPECT_EQ(Parse("2019/2/5/7/3/9")->start_ms, MsOf(2019, 2, 5, 7, 3, 9));
  // The edges of the range.
  EXPECT_EQ(Parse("1970/01/01")->start_ms, 0);
  EXPECT_TRUE(Parse("9999/12/31/23/59/59/999").ok());
}

TEST(HubKeysTest, LeapDaysExistOnlyInLeapYears) {
  EXPECT_EQ(Parse("2024/02/29")->start_ms, MsOf(2024, 2, 29));
  EXPECT_TRUE(Parse("2000/02/29").ok());
  Result<TimePath> r = Parse("2023/02/29");
  ASSERT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().message(), "day 29 is not in 1..28 for 2023/02");
  EXPECT_TRUE(Parse("1900/02/29").status().IsInvalidArgument());
  EXPECT_TRUE(Parse("2026/04/31").status().IsInvalidArgument());
  EXPECT_TRUE(Parse("2026/12/31").ok());
}

TEST(HubKeysTest, BadComponentsAreNamed) {
  auto message = [](std::string_view path) {
    Result<TimePath> r = Parse(path);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << path;
    return r.status().message();
  };
  EXPECT_EQ(message("2026/13/40"), "month 13 is not in 1..12");
  EXPECT_EQ(message("2026/00/01"), "month 0 is not in 1..12");
  EXPECT_EQ(message("2026/12/40"), "day 40 is not in 1..31");
  EXPECT_EQ(message("2026/12/00"), "day 0 is not in 1..31");
  EXPECT_EQ(message("2026/12/03/24"), "hour 24 is not in 0..23");
  EXPECT_EQ(message("2026/12/03/23/60"), "minute 60 is not in 0..59");
  EXPECT_EQ(message("2026/12/03/23/59/60"), "second 60 is not in 0..59");
  EXPECT_EQ(message("1969/12/31"), "year 1969 is not in 1970..9999");
  EXPECT_EQ(message("2026/1x/03"), "month \"1x\" is not 1 to 2 digits");
  EXPECT_EQ(message("2026/12/03/-1"), "hour \"-1\" is not 1 to 2 digits");
  EXPECT_EQ(message("2026/12/03/+1"), "hour \"+1\" is not 1 to 2 digits");
  EXPECT_EQ(message("2026/12/03/ 1"), "hour \" 1\" is not 1 to 2 digits");
  EXPECT_EQ(message("2026/012/03"), "month \"012\" is not 1 to 2 digits");
  EXPECT_EQ(message("26/12/03"), "year \"26\" is not 4 digits");
  EXPECT_EQ(message("2026/12/03/23/59/59/7"), "millis \"7\" is not 3 digits");
  EXPECT_EQ(message("2026/12/03/23/59/59/1000"), "millis \"1000\" is not 3 digits");
  EXPECT_EQ(message("2026//03"), "month \"\" is not 1 to 2 digits");
  EXPECT_NE(message("2026/12/03/23/59/59/000/A-B").find("hash \"A-B\""), std::string::npos);
  EXPECT_NE(message("2026/12/03/23/59/59/000/").find("hash \"\""), std::string::npos);
  EXPECT_NE(message("2026/12/03/23/59/59/000/" + std::string(65, 'a')).find("hash"),
            std::string::npos);
  EXPECT_EQ(message("2026/12"),
            "a time path has 3 to 8 segments "
            "(year/month/day[/hour[/minute[/second[/millis[/hash]]]]]), not 2");
  EXPECT_NE(message("2026/12/03/23/59/59/000/A/next").find("not 9"), std::string::npos);
  EXPECT_TRUE(ParseTimePath({}).status().IsInvalidArgument());
}

}  // namespace
}  // namespace pdfs::hub
