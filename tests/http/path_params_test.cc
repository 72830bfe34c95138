// ParseU64 and ParseLocationSpec: numbers in paths are unsigned 64-bit decimal.
#include "path_params.h"

#include <gtest/gtest.h>

namespace pdfs::http {
namespace {

TEST(PathParamsTest, ParseU64AcceptsDecimalUpToTheMaximum) {
  uint64_t v = 0;
  ASSERT_TRUE(ParseU64("0", "x", &v).ok());
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(ParseU64("18446744073709551615", "x", &v).ok());
  EXPECT_EQ(v, UINT64_MAX);
  ASSERT_TRUE(ParseU64("007", "x", &v).ok());
  EXPECT_EQ(v, 7u);
}

TEST(PathParamsTest, ParseU64RejectsSignsOverflowAndJunk) {
  uint64_t v = 0;
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "18446744073709551616",
                          "99999999999999999999999", "1.0", "abc"}) {
    Status s = ParseU64(bad, "location", &v);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_NE(s.message().find("location"), std::string::npos);
  }
}

TEST(PathParamsTest, LocationSpecForms) {
  LocationSpec spec;
  ASSERT_TRUE(ParseLocationSpec("12", &spec).ok());
  EXPECT_EQ(spec.kind, LocationSpec::Kind::kLocation);
  EXPECT_EQ(spec.start, 12u);
  ASSERT_TRUE(ParseLocationSpec("3-9", &spec).ok());
  EXPECT_EQ(spec.kind, LocationSpec::Kind::kClosedRange);
  EXPECT_EQ(spec.start, 3u);
  EXPECT_EQ(spec.end, 9u);
  ASSERT_TRUE(ParseLocationSpec("5-", &spec).ok());
  EXPECT_EQ(spec.kind, LocationSpec::Kind::kOpenRange);
  ASSERT_TRUE(ParseLocationSpec("4-4", &spec).ok());
  for (const char* bad : {"-", "-5", "5--", "5-6-7", "a-b", "9-3", "1-18446744073709551616"}) {
    EXPECT_TRUE(ParseLocationSpec(bad, &spec).IsInvalidArgument()) << bad;
  }
}

}  // namespace
}  // namespace pdfs::http
