// DocumentParser: validation, minification and stream splitting.
#include "pdfs/document.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pdfs {
namespace {

using Shape = DocumentParser::Shape;

std::vector<std::string> Docs(const DocumentBatch& batch) {
  std::vector<std::string> out;
  for (size_t i = 0; i < batch.size(); ++i) out.emplace_back(batch[i]);
  return out;
}

// Feeds `input` as a stream in pieces of `k` bytes; the documents, with
// every piece accepted and the end of input valid.
std::vector<std::string> StreamInPieces(std::string_view input, size_t k) {
  DocumentParser parser(Shape::kObjectStream, {});
  DocumentBatch batch;
  for (size_t i = 0; i < input.size(); i += k) {
    auto r = parser.Feed(input.substr(i, k), &batch);
    EXPECT_TRUE(r.status.ok()) << "k=" << k << " i=" << i << ": " << r.status.ToString();
  }
  EXPECT_FALSE(parser.inside_value()) << "k=" << k;
  EXPECT_TRUE(parser.Finish().ok()) << "k=" << k;
  return Docs(batch);
}

Status ParseOne(std::string_view input, std::string* doc) {
  DocumentBatch batch;
  Status s = DocumentParser::ParseAll(input, Shape::kOneObject, {}, &batch);
  if (s.ok()) {
    EXPECT_EQ(batch.size(), 1u);
    *doc = std::string(batch[0]);
  }
  return s;
}

TEST(DocumentParserTest, MinifiesAndKeepsNumberTextKeyOrderAndEscapes) {
  std::string doc;
  ASSERT_TRUE(ParseOne(" {\n  \"b\" : 1.50E+3 ,\t\"a\": [ true, false , null ],\r\n"
                       "  \"s\": \"x \\u00e9\\n\\\" y\", \"e\": {} } ",
                       &doc)
                  .ok());
  EXPECT_EQ(doc, R"({"b":1.50E+3,"a":[true,false,null],"s":"x \u00e9\n\" y","e":{}})");
}

TEST(DocumentParserTest, KeepsUtf8BytesAndDuplicateKeysAsSent) {
  std::string doc;
  ASSERT_TRUE(ParseOne("{\"k\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\",\"k\":2}", &doc).ok());
  EXPECT_EQ(doc, "{\"k\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\",\"k\":2}");
}

TEST(DocumentParserTest, AcceptsEveryNumberForm) {
  std::string doc;
  ASSERT_TRUE(
      ParseOne(R"({"a":[0,-0,12,-3.25,1e5,1E-5,0.5e+10,123456789012345678901234567890]})", &doc)
          .ok());
  EXPECT_EQ(doc, R"({"a":[0,-0,12,-3.25,1e5,1E-5,0.5e+10,123456789012345678901234567890]})");
}

struct BadCase {
  const char* input;
  const char* why;  // a fragment of the message a person sees
};

class DocumentParserRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(DocumentParserRejects, WithInvalidArgumentAndAReason) {
  std::string doc;
  Status s = ParseOne(GetParam().input, &doc);
  ASSERT_TRUE(s.IsInvalidArgument()) << GetParam().input << " -> " << s.ToString();
  EXPECT_NE(s.message().find(GetParam().why), std::string::npos) << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DocumentParserRejects,
    ::testing::Values(BadCase{"", "empty"}, BadCase{"   ", "empty"}, BadCase{"[1]", "object"},
                      BadCase{"42", "object"}, BadCase{"\"s\"", "object"},
                      BadCase{"{", "ends inside"}, BadCase{"{\"a\":1", "ends inside"},
                      BadCase{"{\"a\":\"x", "inside a string"}, BadCase{"{\"a\" 1}", "':'"},
                      BadCase{"{a:1}", "string key"}, BadCase{"{\"a\":1,}", "string key"},
                      BadCase{"{\"a\":[1,]}", "expected a value"},
                      BadCase{"{\"a\":01}", "leading zero"}, BadCase{"{\"a\":-}", "digit"},
                      BadCase{"{\"a\":1.}", "digit"}, BadCase{"{\"a\":1e}", "exponent"},
                      BadCase{"{\"a\":+1}", "expected a value"}, BadCase{"{\"a\":tru}", "literal"},
                      BadCase{"{\"a\":nul}", "literal"}, BadCase{"{\"a\":NaN}", "expected a value"},
                      BadCase{"{\"a\":\"\\x\"}", "escape"}, BadCase{"{\"a\":\"\\u12g4\"}", "hex"},
                      BadCase{"{\"a\":\"\\ud800\"}", "unpaired"},
                      BadCase{"{\"a\":\"\\ud800\\u0041\"}", "unpaired"},
                      BadCase{"{\"a\":\"\\udc00\"}", "low surrogate"},
                      BadCase{"{\"a\":\"\x01\"}", "control character"},
                      BadCase{"{\"a\":\"\xC0\xAF\"}", "UTF-8"},          // overlong
                      BadCase{"{\"a\":\"\xED\xA0\x80\"}", "UTF-8"},      // encoded surrogate
                      BadCase{"{\"a\":\"\xF4\x90\x80\x80\"}", "UTF-8"},  // > U+10FFFF
                      BadCase{"{\"a\":\"\xC3\"}", "UTF-8"},              // truncated sequence
                      BadCase{"{\"a\":\"\xFF\"}", "UTF-8"}, BadCase{"{\"a\":1]", "']'"},
                      BadCase{"{\"a\":[1}", "'}'"}, BadCase{"{} {}", "after the end"},
                      BadCase{"{}x", "after the end"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return "Case" + std::to_string(info.index);
    });

TEST(DocumentParserTest, RejectsNestingDeeperThanTheLimit) {
  std::string deep = "{\"a\":" + std::string(600, '[') + std::string(600, ']') + "}";
  DocumentBatch batch;
  Status s = DocumentParser::ParseAll(deep, Shape::kOneObject,
                                      {.max_document_bytes = 1 << 20, .max_depth = 512}, &batch);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("nested deeper than 512"), std::string::npos) << s.message();
  std::string ok = "{\"a\":" + std::string(500, '[') + std::string(500, ']') + "}";
  EXPECT_TRUE(DocumentParser::ParseAll(ok, Shape::kOneObject, {}, &batch).ok());
}

TEST(DocumentParserTest, RejectsADocumentOverTheSizeLimitWithTooLarge) {
  DocumentBatch batch;
  std::string big = "{\"a\":\"" + std::string(2000, 'x') + "\"}";
  Status s = DocumentParser::ParseAll(big, Shape::kOneObject, {.max_document_bytes = 1000}, &batch);
  EXPECT_TRUE(s.IsTooLarge()) << s.ToString();
  EXPECT_TRUE(batch.empty());
}

TEST(DocumentParserTest, ErrorNamesTheBytePosition) {
  std::string doc;
  Status s = ParseOne("{\"a\":1,\n \"b\" 2}", &doc);
  EXPECT_EQ(s.message(), "invalid JSON at byte 13: expected ':' after an object key, found '2'");
}

TEST(DocumentParserTest, ArrayOfObjectsGivesOneDocumentPerElement) {
  DocumentBatch batch;
  bool saw_array = false;
  ASSERT_TRUE(DocumentParser::ParseAll(" [ {\"a\":1} ,\n{\"b\":[2]} ] ", Shape::kObjectOrArray, {},
                                       &batch, &saw_array)
                  .ok());
  EXPECT_TRUE(saw_array);
  EXPECT_EQ(Docs(batch), (std::vector<std::string>{R"({"a":1})", R"({"b":[2]})"}));
}

TEST(DocumentParserTest, ObjectOrArrayAcceptsASingleObject) {
  DocumentBatch batch;
  bool saw_array = true;
  ASSERT_TRUE(
      DocumentParser::ParseAll("{\"a\":1}", Shape::kObjectOrArray, {}, &batch, &saw_array).ok());
  EXPECT_FALSE(saw_array);
  EXPECT_EQ(batch.size(), 1u);
}

TEST(DocumentParserTest, ArrayRejectsEmptyNonObjectElementsAndTrailingData) {
  DocumentBatch batch;
  EXPECT_TRUE(
      DocumentParser::ParseAll("[]", Shape::kObjectOrArray, {}, &batch).IsInvalidArgument());
  EXPECT_TRUE(
      DocumentParser::ParseAll("[{},1]", Shape::kObjectOrArray, {}, &batch).IsInvalidArgument());
  EXPECT_TRUE(
      DocumentParser::ParseAll("[{}] {}", Shape::kObjectOrArray, {}, &batch).IsInvalidArgument());
  EXPECT_TRUE(
      DocumentParser::ParseAll("[{},{}", Shape::kObjectOrArray, {}, &batch).IsInvalidArgument());
  EXPECT_TRUE(
      DocumentParser::ParseAll("[{},]", Shape::kObjectOrArray, {}, &batch).IsInvalidArgument());
}

TEST(DocumentParserTest, StreamSplitsObjectsWhateverTheWriteBoundaries) {
  const std::string input =
      "{\"a\":1}\n{\"b\": \"x\\u00e9\xC3\xA9\"}{\"c\":\n  {\"d\": [1, 2.5e3]}\n}\n\n";
  const std::vector<std::string> want = {R"({"a":1})", "{\"b\":\"x\\u00e9\xC3\xA9\"}",
                                         R"({"c":{"d":[1,2.5e3]}})"};
  // Every split into pieces of size k, including k = 1 (every byte alone).
  for (size_t k = 1; k <= input.size(); ++k) EXPECT_EQ(StreamInPieces(input, k), want) << k;
}

TEST(DocumentParserTest, StreamWithAnErrorAcceptsTheCompleteObjectsBeforeIt) {
  DocumentParser parser(Shape::kObjectStream, {});
  DocumentBatch batch;
  auto r = parser.Feed("{\"a\":1}\n{\"b\":2} x{\"c\":3}", &batch);
  EXPECT_TRUE(r.status.IsInvalidArgument());
  EXPECT_EQ(r.consumed, 15u);  // up to and including the second '}'
  EXPECT_EQ(Docs(batch), (std::vector<std::string>{R"({"a":1})", R"({"b":2})"}));
  // Feeding the rest again fails the same way, with nothing accepted.
  r = parser.Feed(" x{\"c\":3}", &batch);
  EXPECT_TRUE(r.status.IsInvalidArgument());
  EXPECT_EQ(r.consumed, 0u);
}

TEST(DocumentParserTest, AFailedPieceLeavesThePendingDocumentIntact) {
  DocumentParser parser(Shape::kObjectStream, {});
  DocumentBatch batch;
  ASSERT_TRUE(parser.Feed("{\"a\":[1,", &batch).status.ok());
  EXPECT_TRUE(parser.has_pending());
  auto r = parser.Feed("}oops", &batch);  // '}' cannot close an array
  EXPECT_TRUE(r.status.IsInvalidArgument());
  EXPECT_EQ(r.consumed, 0u);
  // The writer retries with correct bytes: the object completes.
  ASSERT_TRUE(parser.Feed("2]}", &batch).status.ok());
  ASSERT_TRUE(parser.Finish().ok());
  EXPECT_EQ(Docs(batch), (std::vector<std::string>{R"({"a":[1,2]})"}));
}

TEST(DocumentParserTest, StreamFinishFailsOnAnIncompleteObjectAndAcceptsEmptyInput) {
  DocumentParser incomplete(Shape::kObjectStream, {});
  DocumentBatch batch;
  ASSERT_TRUE(incomplete.Feed("{\"a\":1}{\"b\":", &batch).status.ok());
  EXPECT_EQ(batch.size(), 1u);
  EXPECT_TRUE(incomplete.Finish().IsInvalidArgument());

  DocumentParser empty(Shape::kObjectStream, {});
  ASSERT_TRUE(empty.Feed(" \n", &batch).status.ok());
  EXPECT_TRUE(empty.Finish().ok());
}

// Issue 20: a file written into the mount may hold arrays of objects (as an
// HTTP POST may), and may start with a UTF-8 byte order mark.
TEST(DocumentParserTest, StreamAppendsTheElementsOfArraysBetweenObjects) {
  const std::string input = "[{\"a\":1}, {\"b\":2}]\n{\"c\":3} [ ] [{\"d\":[4]}]\n";
  const std::vector<std::string> want = {R"({"a":1})", R"({"b":2})", R"({"c":3})", R"({"d":[4]})"};
  for (size_t k = 1; k <= input.size(); ++k) EXPECT_EQ(StreamInPieces(input, k), want) << k;
}

TEST(DocumentParserTest, StreamArraysHoldOnlyObjectsAndMustBeClosed) {
  DocumentParser parser(Shape::kObjectStream, {});
  DocumentBatch batch;
  auto r = parser.Feed("[{\"a\":1},{\"b\":2},3]", &batch);
  EXPECT_TRUE(r.status.IsInvalidArgument());
  EXPECT_EQ(r.consumed, 16u) << "up to the end of the last complete element";
  EXPECT_EQ(Docs(batch), (std::vector<std::string>{R"({"a":1})", R"({"b":2})"}));
  EXPECT_FALSE(parser.has_pending()) << "no document is pending between elements";
  EXPECT_TRUE(parser.inside_value()) << "but the array is open";
  EXPECT_TRUE(parser.Finish().IsInvalidArgument());

  DocumentParser open(Shape::kObjectStream, {});
  ASSERT_TRUE(open.Feed("[{}", &batch).status.ok());
  Status s = open.Finish();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("ends inside the array"), std::string::npos) << s.ToString();
}

TEST(DocumentParserTest, StreamSkipsAByteOrderMarkBeforeEachValue) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::string input = bom + "{\"a\":1}\n" + bom + "[{\"b\":2}]" + bom + " \n";
  for (size_t k = 1; k <= input.size(); ++k) {
    EXPECT_EQ(StreamInPieces(input, k), (std::vector<std::string>{R"({"a":1})", R"({"b":2})"}))
        << k;
  }
  // Only a whole mark, and never inside a value.
  DocumentBatch batch;
  EXPECT_TRUE(
      DocumentParser::ParseAll("\xEF\xBB{}", Shape::kObjectStream, {}, &batch).IsInvalidArgument());
  EXPECT_TRUE(DocumentParser::ParseAll("\xEF\xBB", Shape::kObjectStream, {}, &batch)
                  .message()
                  .find("byte order mark") != std::string::npos);
  EXPECT_TRUE(DocumentParser::ParseAll("[" + bom + "{}]", Shape::kObjectStream, {}, &batch)
                  .IsInvalidArgument());
  DocumentParser partial(Shape::kObjectStream, {});
  ASSERT_TRUE(partial.Feed("\xEF", &batch).status.ok());
  EXPECT_TRUE(partial.inside_value()) << "a mark cut short is incomplete, like an object";
}

TEST(DocumentParserTest, RequestShapesStillRefuseAByteOrderMarkAndAnEmptyArray) {
  // What HTTP accepts does not change: a body is one JSON text, without a mark.
  DocumentBatch batch;
  for (Shape shape : {Shape::kOneObject, Shape::kArrayOfObjects, Shape::kObjectOrArray}) {
    EXPECT_TRUE(DocumentParser::ParseAll("\xEF\xBB\xBF{}", shape, {}, &batch).IsInvalidArgument());
  }
  EXPECT_TRUE(
      DocumentParser::ParseAll("[]", Shape::kArrayOfObjects, {}, &batch).IsInvalidArgument());
  EXPECT_TRUE(
      DocumentParser::ParseAll("{} {}", Shape::kObjectOrArray, {}, &batch).IsInvalidArgument());
}

}  // namespace
}  // namespace pdfs
