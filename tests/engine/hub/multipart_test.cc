// The Hub's multipart/mixed bulk bodies: the Content-Type's boundary, the
// shapes the Hub's specs send, binary data, every error, limits and a large
// body.
#include "pdfs/hub/multipart.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace pdfs::hub {
namespace {

using namespace std::string_literals;

constexpr MultipartLimits kLimits{1 << 20, 1000};

Result<std::vector<BulkPart>> Parse(std::string_view body, std::string_view boundary = "abc") {
  return ParseMultipart(body, boundary, kLimits);
}

// The message of a failed parse, or "" (which no expectation matches).
std::string ErrorOf(const Result<std::vector<BulkPart>>& r) {
  return r.ok() ? "" : r.status().message();
}

TEST(HubMultipartTest, BoundaryOfReadsTokenAndQuotedValues) {
  EXPECT_EQ(BoundaryOf("multipart/mixed; boundary=abc").value(), "abc");
  EXPECT_EQ(BoundaryOf("Multipart/MIXED;BOUNDARY=abc").value(), "abc");
  EXPECT_EQ(BoundaryOf("multipart/mixed ; charset=utf-8; boundary = abc ;x=y").value(), "abc");
  EXPECT_EQ(BoundaryOf("multipart/mixed; boundary=\"a b;c\"").value(), "a b;c");
  EXPECT_EQ(BoundaryOf("multipart/mixed; x=\"q;boundary=no\"; boundary=yes").value(), "yes");
  EXPECT_EQ(BoundaryOf(R"(multipart/mixed; boundary="a\"b")").value(), "a\"b");
  // The Hub's own bulk-read boundary ('|' and '~' are outside RFC 2046's
  // bchars) must come back in.
  const std::string hub = "||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||";
  EXPECT_EQ(BoundaryOf("multipart/mixed; boundary=" + hub).value(), hub);
  EXPECT_EQ(BoundaryOf("multipart/mixed; boundary=" + std::string(70, 'x')).value(),
            std::string(70, 'x'));
}

TEST(HubMultipartTest, BoundaryOfRefusesWithASentence) {
  auto message = [](std::string_view header) {
    Result<std::string> r = BoundaryOf(header);
    EXPECT_FALSE(r.ok()) << header;
    EXPECT_TRUE(r.ok() || r.status().IsInvalidArgument()) << header;
    return r.ok() ? ""s : r.status().message();
  };
  EXPECT_EQ(message("text/plain; boundary=abc"),
            "a bulk body's Content-Type must be multipart/mixed with a boundary parameter, not "
            "\"text/plain; boundary=abc\"");
  EXPECT_NE(message("multipart/form-data; boundary=abc").find("must be multipart/mixed"),
            std::string::npos);
  EXPECT_NE(message("").find("must be multipart/mixed"), std::string::npos);
  EXPECT_EQ(message("multipart/mixed"),
            "Content-Type \"multipart/mixed\" has no boundary parameter "
            "(multipart/mixed; boundary=...)");
  EXPECT_NE(message("multipart/mixed; charset=utf-8").find("no boundary"), std::string::npos);
  EXPECT_EQ(message("multipart/mixed; boundary=a; boundary=b"),
            "Content-Type has two boundary parameters");
  EXPECT_EQ(message("multipart/mixed; boundary"),
            "Content-Type parameter \"boundary\" has no value (name=value)");
  EXPECT_NE(message("multipart/mixed; boundary=\"abc").find("no closing quote"), std::string::npos);
  EXPECT_NE(message("multipart/mixed; boundary=\"abc\"x").find("text after its quoted value"),
            std::string::npos);
  const std::string bad = "must be 1 to 70 printable ASCII characters, not ending in a space";
  EXPECT_NE(message("multipart/mixed; boundary=").find(bad), std::string::npos);
  EXPECT_NE(message("multipart/mixed; boundary=\"\"").find(bad), std::string::npos);
  EXPECT_NE(message("multipart/mixed; boundary=\"ab \"").find(bad), std::string::npos);
  EXPECT_NE(message("multipart/mixed; boundary=" + std::string(71, 'x')).find(bad),
            std::string::npos);
  EXPECT_EQ(message("multipart/mixed; boundary=a\x01z"), "multipart boundary \"a\\x01z\" " + bad);
}

// The body of the Hub's bulk specs: a preamble, " \r\n" ending the headers
// of the first part, a part without Content-Type, the close delimiter and
// an epilogue.
TEST(HubMultipartTest, ParsesTheHubSpecShapes) {
  const std::string body =
      "This is a message with multiple parts in MIME format.  This section is ignored.\r\n"
      "--abc\r\n"
      "Content-Type: application/xml\r\n"
      " \r\n"
      "<coffee><roast>french</roast><coffee>\r\n"
      "--abc\r\n"
      "\r\n"
      "plain text\r\n"
      "--abc\r\n"
      "content-TYPE:   application/json  \r\n"
      "Content-Key: 2019/02/22/17/59/51/793/G4Xog0000001\r\n"
      "X-Other: ignored\r\n"
      "\t\r\n"
      "{\"type\": \"coffee\"}\r\n"
      "--abc--\r\n"
      "This is the epilogue.  It is also ignored.\r\n";
  auto r = Parse(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].content_type, "application/xml");
  EXPECT_EQ((*r)[0].data, "<coffee><roast>french</roast><coffee>");
  EXPECT_EQ((*r)[0].content_key, "");
  EXPECT_EQ((*r)[1].content_type, "text/plain");
  EXPECT_EQ((*r)[1].data, "plain text");
  EXPECT_EQ((*r)[2].content_type, "application/json");
  EXPECT_EQ((*r)[2].data, "{\"type\": \"coffee\"}");
  EXPECT_EQ((*r)[2].content_key, "2019/02/22/17/59/51/793/G4Xog0000001");
}

TEST(HubMultipartTest, HeaderDetails) {
  // A repeated header keeps its last value, as in the Hub; an empty
  // Content-Type is the default; transport padding after a delimiter.
  auto r = Parse(
      "--abc  \t\r\nContent-Type: a/b\r\nCONTENT-TYPE: c/d\r\n\r\nx\r\n"
      "--abc\r\nContent-Type:\r\n\r\ny\r\n--abc--");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].content_type, "c/d");
  EXPECT_EQ((*r)[1].content_type, "text/plain");
  EXPECT_EQ((*r)[1].data, "y");
}

TEST(HubMultipartTest, BinaryDataRoundTrips) {
  std::string data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
  data += "\r\n\r\n\n\r\0--abc\r\n--ab\r\n"s;
  const std::string body = "--abc\r\nContent-Type: application/octet-stream\r\n\r\n" + data +
                           "\r\n--abc\r\n\r\n" + data + "\r\n--abc--";
  auto r = Parse(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].data, data);
  EXPECT_EQ((*r)[1].data, data);
}

TEST(HubMultipartTest, EmptyPartsAreZeroBytes) {
  auto r = Parse("--abc\r\n\r\n\r\n--abc\r\nContent-Type: a/b\r\n\r\n\r\n--abc--");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].data, "");
  EXPECT_EQ((*r)[1].data, "");
  EXPECT_EQ((*r)[1].content_type, "a/b");
}

// Only "--boundary" at the start of a line, followed by "--" or by padding
// and CRLF, is a delimiter; anything else is data.
TEST(HubMultipartTest, BoundaryInsideDataIsData) {
  const std::string data = "x--abc\r\n--abc-\r\n--abcd\r\n--abc x\r\n--abc\n--ab\r\n\r\n-- abc--";
  auto r = Parse("preamble --abc\r\n--abc\r\n\r\n" + data + "\r\n--abc--");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].data, data);
}

TEST(HubMultipartTest, NoItems) {
  EXPECT_EQ(ErrorOf(Parse("")), "multipart has no items");
  EXPECT_EQ(ErrorOf(Parse("just a preamble\r\n")), "multipart has no items");
  EXPECT_EQ(ErrorOf(Parse("--abc--\r\n")), "multipart has no items");
  EXPECT_EQ(ErrorOf(Parse("preamble\r\n--abc--")), "multipart has no items");
  // The usual mistake: bare LF line ends.
  EXPECT_EQ(ErrorOf(Parse("--abc\nContent-Type: a/b\n\ndata\n--abc--\n")),
            "multipart has no items: no line is the delimiter \"--abc\" followed by CRLF");
  EXPECT_TRUE(Parse("").status().IsInvalidArgument());
}

TEST(HubMultipartTest, TruncatedBodies) {
  EXPECT_EQ(ErrorOf(Parse("--abc\r\n\r\ndata")),
            "part 1 is truncated: the body ends before the close delimiter \"--abc--\"");
  EXPECT_EQ(ErrorOf(Parse("--abc\r\n\r\none\r\n--abc\r\n\r\ntwo\r\n--abc")),
            "part 2 is truncated: the body ends before the close delimiter \"--abc--\"");
  EXPECT_EQ(ErrorOf(Parse("--abc\r\n\r\none\r\n--abc-")).substr(0, 20), "part 1 is truncated:");
  // The CRLF that ends a delimiter line cannot also start the next one.
  EXPECT_EQ(ErrorOf(Parse("--abc\r\n--abc--")).substr(0, 20), "part 1 is truncated:");
  EXPECT_TRUE(Parse("--abc\r\n").status().IsInvalidArgument());
}

TEST(HubMultipartTest, BadHeaders) {
  EXPECT_EQ(ErrorOf(Parse("--abc\r\n\r\nok\r\n--abc\r\nContent-Type a/b\r\n\r\nx\r\n--abc--")),
            "part 2 has a header line without a colon: \"Content-Type a/b\"");
  EXPECT_EQ(ErrorOf(Parse("--abc\r\n : x\r\n\r\nx\r\n--abc--")),
            "part 1 has a header line with no name: \": x\"");
  // Headers straight into the next delimiter, or no headers and no blank
  // line at all.
  const std::string no_blank = " has no blank line (CRLF CRLF) between its headers and its data";
  EXPECT_EQ(ErrorOf(Parse("--abc\r\nContent-Type: a/b\r\n--abc--")), "part 1" + no_blank);
  EXPECT_EQ(ErrorOf(Parse("--abc\r\n\r\nx\r\n--abc\r\n\r\n--abc--")), "part 2" + no_blank);
  // Data straight after the headers: its last line is not a header line
  // because it has no CRLF of its own (that one is the delimiter's).
  EXPECT_EQ(ErrorOf(Parse("--abc\r\nContent-Type: a/b\r\ndata\r\n--abc--")), "part 1" + no_blank);
  EXPECT_EQ(ErrorOf(Parse("--abc\r\nContent-Type: a/b\r\ntwo\r\nlines\r\n--abc--")),
            "part 1 has a header line without a colon: \"two\"");
  // A bare LF or CR in a header line would reach a response header.
  EXPECT_EQ(ErrorOf(Parse("--abc\r\nContent-Type: a/b\nX: y\r\n\r\nx\r\n--abc--")),
            "part 1 has a control character (0x0a) in the header line "
            "\"Content-Type: a/b\\x0aX: y\"; header lines end in CRLF");
  EXPECT_NE(ErrorOf(Parse("--abc\r\nContent-Type: a\rb\r\n\r\nx\r\n--abc--"))
                .find("control character (0x0d)"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Parse("--abc\r\nContent-Type: a\0b\r\n\r\nx\r\n--abc--"s))
                .find("control character (0x00)"),
            std::string::npos);
  EXPECT_TRUE(Parse("--abc\r\nx\r\n\r\n\r\n--abc--").status().IsInvalidArgument());
}

TEST(HubMultipartTest, BadBoundaryArgument) {
  EXPECT_NE(ErrorOf(Parse("--\r\n\r\nx\r\n----", "")).find("must be 1 to 70"), std::string::npos);
  EXPECT_NE(ErrorOf(Parse("", std::string(71, 'b'))).find("must be 1 to 70"), std::string::npos);
}

TEST(HubMultipartTest, Limits) {
  const std::string body = "--abc\r\n\r\n12345\r\n--abc\r\n\r\n123456\r\n--abc\r\n\r\n1\r\n--abc--";
  auto r = ParseMultipart(body, "abc", {6, 3});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 3u);

  r = ParseMultipart(body, "abc", {5, 3});
  EXPECT_TRUE(r.status().IsTooLarge());
  EXPECT_EQ(ErrorOf(r), "part 2 has 6 bytes of data, more than the limit of 5");

  r = ParseMultipart(body, "abc", {6, 2});
  EXPECT_TRUE(r.status().IsTooLarge());
  EXPECT_EQ(ErrorOf(r), "multipart has more than 2 parts");

  r = ParseMultipart("--abc\r\n\r\n\r\n--abc--", "abc", {0, 1});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].data, "");

  const MultipartLimits defaults;
  EXPECT_EQ(defaults.max_part_bytes, size_t{40} << 20);
  EXPECT_EQ(defaults.max_parts, 10'000u);
}

TEST(HubMultipartTest, ParsesALargeBody) {
  const std::string boundary = "||||||~~~~~~||||||~~~~~~||||||";
  std::string body = "preamble\r\n";
  for (int i = 0; i < 1000; ++i) {
    body += "--" + boundary + "\r\nContent-Type: application/x-" + std::to_string(i) +
            "\r\nContent-Key: key" + std::to_string(i) + "\r\n\r\n" +
            std::string(static_cast<size_t>(i % 97), static_cast<char>('a' + i % 26)) + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  auto r = ParseMultipart(body, boundary, {1 << 20, 1000});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1000u);
  for (size_t i = 0; i < r->size(); ++i) {
    const BulkPart& p = (*r)[i];
    EXPECT_EQ(p.content_type, "application/x-" + std::to_string(i));
    EXPECT_EQ(p.content_key, "key" + std::to_string(i));
    EXPECT_EQ(p.data, std::string(i % 97, static_cast<char>('a' + i % 26)));
  }
  EXPECT_TRUE(ParseMultipart(body, boundary, {1 << 20, 999}).status().IsTooLarge());
}

// One 16 MiB part of CRLFs and near-delimiters: linear time, no recursion.
TEST(HubMultipartTest, AdversarialDataIsLinear) {
  std::string data;
  while (data.size() < (size_t{16} << 20)) data += "\r\n--ab\r\n-\r\n--abc-x";
  auto r = ParseMultipart("--abc\r\n\r\n" + data + "\r\n--abc--", "abc", {size_t{32} << 20, 1});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].data, data);
}

}  // namespace
}  // namespace pdfs::hub
