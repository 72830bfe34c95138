// The Hub channel face over HTTP (docs/HUB.md): every row served so far and
// its bad input, against an http::Server in this process and black-box
// against the real `pdfs serve` program. Errors here are plain text, as the
// Hub answers them.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include <zip.h>

#include "support/api_fixture.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using pdfs::testing::Target;

// The Hub's key format: yyyy/MM/dd/HH/mm/ss/SSS/<hash>.
const std::regex kItemUrl(
    R"(http://[^/]+/channel/([A-Za-z0-9_-]+)/(\d{4}/\d{2}/\d{2}/\d{2}/\d{2}/\d{2}/\d{3}/[0-9A-Za-z]{11}))");

// The entries of a zip archive, read back with libzip: name -> bytes, in
// the archive's order.
std::vector<std::pair<std::string, std::string>> Unzip(const std::string& bytes) {
  std::vector<std::pair<std::string, std::string>> out;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* archive = src ? zip_open_from_source(src, ZIP_RDONLY, &error) : nullptr;
  EXPECT_NE(archive, nullptr) << "not a zip archive";
  if (archive == nullptr) {
    if (src) zip_source_free(src);
    return out;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st);
    std::string data(static_cast<size_t>(st.size), '\0');
    zip_file_t* f = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    EXPECT_EQ(zip_fread(f, data.data(), st.size), static_cast<zip_int64_t>(st.size));
    zip_fclose(f);
    out.emplace_back(st.name, std::move(data));
  }
  zip_close(archive);
  return out;
}

class HubApiTest : public testing::ApiTest {
 protected:
  HubApiTest() { stable_seconds_ = 1; }

  httplib::Result Put(const std::string& path, const std::string& body) {
    return client_->Put(path.c_str(), body, "application/json");
  }
  httplib::Result Patch(const std::string& path, const std::string& body) {
    return client_->Patch(path.c_str(), body, "application/json");
  }
  json Ok(const httplib::Result& r, int status = 200) {
    EXPECT_TRUE(r) << "no response";
    if (!r) return json();
    EXPECT_EQ(r->status, status) << r->body;
    return Json(r);
  }
  // Inserts `body` and returns the item's URL (the Location).
  std::string Insert(const std::string& channel, const std::string& body,
                     const char* type = "text/plain") {
    auto r = Post("/channel/" + channel, body, type);
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no response");
    if (!r) return "";
    return r->get_header_value("Location");
  }
  // The path part of a URL the server gave.
  static std::string PathOf(const std::string& url) {
    const size_t scheme = url.find("://");
    return url.substr(url.find('/', scheme + 3));
  }
  // A plain-text error with `status` whose sentence holds `fragment`.
  static void ExpectHubError(const httplib::Result& r, int status, const std::string& fragment) {
    ASSERT_TRUE(r) << "no response";
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain") << r->body;
    EXPECT_NE(r->body.find(fragment), std::string::npos) << "error was: " << r->body;
  }
};

// --- channels ------------------------------------------------------------

TEST_P(HubApiTest, CreateGetListAndTheSameTopicThroughTheStreamFace) {
  auto r = Post("/channel", R"({"name":"flights","description":"arrivals"})");
  json config = Ok(r, 201);
  EXPECT_EQ(r->get_header_value("Location"),
            "http://127.0.0.1:" + std::to_string(port_) + "/channel/flights");
  EXPECT_EQ(config["name"], "flights");
  EXPECT_EQ(config["ttlDays"], 120);
  EXPECT_EQ(config["description"], "arrivals");
  EXPECT_EQ(config["_links"]["self"]["href"], r->get_header_value("Location"));
  EXPECT_EQ(config["_links"]["latest"]["href"], r->get_header_value("Location") + "/latest");
  EXPECT_EQ(config["_links"]["ws"]["href"].get<std::string>().rfind("ws://", 0), 0u);
  EXPECT_EQ(Ok(Get("/channel/flights")), config);

  ASSERT_EQ(Post("/stream/from-stream", R"({"a":1})")->status, 200);
  json list = Ok(Get("/channel"));
  ASSERT_EQ(list["_links"]["channels"].size(), 2u);
  EXPECT_EQ(list["_links"]["channels"][0]["name"], "flights");
  EXPECT_EQ(list["_links"]["channels"][1]["name"], "from-stream");
  EXPECT_EQ(Ok(Get("/channel/from-stream"))["keepForever"], true);
  // The channel is a topic: the stream face sees it, empty.
  EXPECT_EQ(Ok(Get("/stream/flights"))[0]["count"], 0);
}

TEST_P(HubApiTest, PutAlwaysAnswers201PatchChangesDeleteAnswers202) {
  EXPECT_EQ(Ok(Put("/channel/c", ""), 201)["ttlDays"], 120);
  EXPECT_EQ(Ok(Put("/channel/c", R"({"maxItems":10})"), 201)["maxItems"], 10);
  json patched = Ok(Patch("/channel/C", R"({"tags":["b","a:1"]})"));
  EXPECT_EQ(patched["tags"], json::parse(R"(["a:1","b"])"));
  EXPECT_EQ(patched["maxItems"], 10);
  // Links echo the case of the request, the name is the topic's.
  EXPECT_EQ(patched["name"], "c");
  EXPECT_NE(patched["_links"]["self"]["href"].get<std::string>().find("/channel/C"),
            std::string::npos);
  auto d = Delete("/channel/c");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 202);
  ExpectHubError(Get("/channel/c"), 404, "does not exist");
  ExpectHubError(Patch("/channel/c", "{}"), 404, "does not exist");
  ExpectHubError(Delete("/channel/c"), 404, "does not exist");
}

TEST_P(HubApiTest, BadConfigsAndNamesAreRefusedInPlainTextAndStoreNothing) {
  ExpectHubError(Post("/channel", "{"), 400, "JSON");
  ExpectHubError(Post("/channel", R"({"name":""})"), 400, "cannot be blank");
  ExpectHubError(Post("/channel", R"({"name":"a.b"})"), 400, "may contain only");
  ExpectHubError(Post("/channel", R"({"name":"c","ttlDays":1,"maxItems":1})"), 400, "only one of");
  ExpectHubError(Put("/channel/c", R"({"ttlDay":1})"), 400, "unknown channel setting");
  ExpectHubError(Put("/channel/a.b", "{}"), 400, "may contain only");
  ASSERT_EQ(Post("/channel", R"({"name":"Dup"})")->status, 201);
  ExpectHubError(Post("/channel", R"({"name":"Dup"})"), 409, "already exists");
  ExpectHubError(Post("/channel", R"({"name":"dup"})"), 409, "differs only in case");
  ExpectHubError(Get("/channel/nothing/here/at/all"), 404, "does not exist");
  ExpectHubError(Method("TRACE", "/channel"), 501, "not implemented");
  EXPECT_EQ(Ok(Get("/channel"))["_links"]["channels"].size(), 1u);
}

TEST_P(HubApiTest, HubPathsCarryServerHubNodeAndCorsAndLoseTheirTrailingSlash) {
  auto r = Get("/channel");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Server").rfind("Hub/pdfs-", 0), 0u);
  EXPECT_EQ(r->get_header_value("Hub-Node"), "127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "*");
  auto missing = Get("/channel/none");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->get_header_value("Access-Control-Allow-Origin"), "*");  // errors too
  auto options = Method("OPTIONS", "/channel/x");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status, 204);
  EXPECT_EQ(options->get_header_value("Access-Control-Allow-Methods"),
            "GET, POST, PUT, DELETE, OPTIONS, HEAD");
  auto slash = Get("/channel/x/?stable=false");
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->status, 307);
  EXPECT_EQ(PathOf(slash->get_header_value("Location")), "/channel/x?stable=false");
  // Only Hub paths: the stream face keeps its own answers and no CORS.
  auto stream = Get("/stream/t/");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->status, 404);
  EXPECT_EQ(stream->get_header_value("Access-Control-Allow-Origin"), "");
  EXPECT_EQ(stream->get_header_value("Content-Type"), "application/json");
}

TEST_P(HubApiTest, LinksFollowForwardedHostAndProto) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  json config =
      Ok(Get("/channel/c", {{"X-Forwarded-Host", "headers:9000"}, {"X-Forwarded-Proto", "https"}}));
  EXPECT_EQ(config["_links"]["self"]["href"], "https://headers:9000/channel/c");
  EXPECT_EQ(config["_links"]["ws"]["href"], "wss://headers:9000/channel/c/ws");
}

// --- items -----------------------------------------------------------------

TEST_P(HubApiTest, AnInsertedItemIsReadBackWithItsTypeDateAndLinks) {
  ASSERT_EQ(Put("/channel/cams", "")->status, 201);
  const std::string png("\x89PNG\r\n\x1a\n\0\x01", 10);
  auto r = Post("/channel/cams", png, "image/png");
  json body = Ok(r, 201);
  const std::string url = r->get_header_value("Location");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(url, m, kItemUrl)) << url;
  EXPECT_EQ(body["_links"]["self"]["href"], url);
  EXPECT_TRUE(std::regex_match(body["timestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

  auto item = Get(PathOf(url));
  ASSERT_TRUE(item);
  EXPECT_EQ(item->status, 200);
  EXPECT_EQ(item->body, png);
  EXPECT_EQ(item->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(item->get_header_value("Creation-Date"), body["timestamp"]);
  EXPECT_EQ(item->get_header_value("X-Item-Length"), "10");
  EXPECT_EQ(item->get_header_value_count("Link"), 2u);
  EXPECT_EQ(item->get_header_value("Link", 0), "<" + url + "/previous>;rel=\"previous\"");
  // The same item through the stream face, with its own type.
  auto stream = Get("/stream/cams/0");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->body, png);
  EXPECT_EQ(stream->get_header_value("Content-Type"), "image/png");

  ExpectHubError(Get(PathOf(url), {{"Accept", "application/json"}}), 406, "image/png");
  EXPECT_EQ(Get(PathOf(url), {{"Accept", "image/*"}})->status, 200);
  EXPECT_EQ(Get(PathOf(url), {{"Accept", "text/html, */*;q=0.1"}})->status, 200);
  // A key whose hash names the location but whose time is not the item's.
  std::string other_time = PathOf(url);
  other_time.replace(other_time.size() - 15, 3,
                     other_time.substr(other_time.size() - 15, 3) == "000" ? "001" : "000");
  ExpectHubError(Get(other_time), 404, "");
  ExpectHubError(Post("/channel/none", "x"), 404, "does not exist");
}

TEST_P(HubApiTest, LatestEarliestNextAndPreviousWalkTheItemsInKeyOrder) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  ExpectHubError(Get("/channel/c/latest?stable=false"), 404, "no latest item");
  std::vector<std::string> urls;
  for (int i = 0; i < 5; ++i) urls.push_back(Insert("c", "item " + std::to_string(i)));
  auto latest = Get("/channel/c/latest?stable=false");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->status, 303);
  EXPECT_EQ(latest->get_header_value("Location"), urls[4] + "?stable=false");
  auto earliest = Get("/channel/c/earliest?stable=false");
  EXPECT_EQ(earliest->get_header_value("Location"), urls[0] + "?stable=false");

  json last3 = Ok(Get("/channel/c/latest/3?stable=false"));
  EXPECT_EQ(last3["_links"]["uris"], json({urls[2], urls[3], urls[4]}));
  json next2 = Ok(Get(PathOf(urls[1]) + "/next/2?stable=false"));
  EXPECT_EQ(next2["_links"]["uris"], json({urls[2], urls[3]}));
  EXPECT_EQ(next2["_links"]["next"]["href"], urls[3] + "/next/2?stable=false");
  EXPECT_EQ(next2["_links"]["previous"]["href"], urls[2] + "/previous/2?stable=false");
  json inclusive = Ok(Get(PathOf(urls[1]) + "/next/2?stable=false&inclusive=true"));
  EXPECT_EQ(inclusive["_links"]["uris"], json({urls[1], urls[2]}));
  json prev = Ok(Get(PathOf(urls[1]) + "/previous/10?stable=false"));
  EXPECT_EQ(prev["_links"]["uris"], json({urls[0]}));
  json none = Ok(Get(PathOf(urls[0]) + "/previous/10?stable=false"));
  EXPECT_EQ(none["_links"]["uris"], json::array());
  EXPECT_FALSE(none["_links"].contains("previous"));
  EXPECT_EQ(none["_links"]["next"]["href"], urls[0] + "/next/10?stable=false");
  auto one = Get(PathOf(urls[2]) + "/next?stable=false");
  EXPECT_EQ(one->status, 303);
  EXPECT_EQ(one->get_header_value("Location"), urls[3] + "?stable=false");
  ExpectHubError(Get(PathOf(urls[4]) + "/next?stable=false"), 404, "no next item");
  ExpectHubError(Get("/channel/c/latest/0"), 400, "from 1 to 10000");
  // A count of any size is served as the cap, 10,000.
  EXPECT_EQ(
      Ok(Get(PathOf(urls[0]) + "/next/99999999999999999999?stable=false"))["_links"]["uris"].size(),
      4u);
  // An encoded '/' never moves a request to another endpoint.
  ExpectHubError(Get("/channel/c%2Flatest?stable=false"), 400, "%2F");
  ExpectHubError(client_->Put("/channel/a%2Fb", "{}", "application/json"), 400, "%2F");
  ExpectHubError(Get("/channel/c/latest/x"), 400, "from 1 to 10000");

  json status = Ok(Get("/channel/c/status?stable=false"));
  EXPECT_EQ(status["_links"]["latest"]["href"], urls[4]);
  EXPECT_EQ(status["_links"]["earliest"]["href"], urls[0]);
}

TEST_P(HubApiTest, HistoricalInsertsBackfillBeforeTheLiveItemsUnderTheirOwnKeys) {
  json config = Ok(Put("/channel/h", R"({"mutableTime":"2020-01-01T00:00:00.000Z"})"), 201);
  EXPECT_EQ(config["mutableTime"], "2020-01-01T00:00:00.000Z");
  EXPECT_EQ(config["tags"], json({"historical"}));
  EXPECT_EQ(config["storage"], "SINGLE");
  EXPECT_EQ(config["ttlDays"], 0);
  const std::string live = Insert("h", "live");
  const std::string base = "http://127.0.0.1:" + std::to_string(port_) + "/channel/h/";

  auto r = Post("/channel/h/2019/06/01/12/00/00/000/abc", "old", "text/plain");
  json body = Ok(r, 201);
  const std::string old = base + "2019/06/01/12/00/00/000/abc";
  EXPECT_EQ(r->get_header_value("Location"), old);
  EXPECT_EQ(body["timestamp"], "2019-06-01T12:00:00.000Z");
  auto random = Post("/channel/h/2019/06/01/12/00/00/001", "older?", "text/plain");
  ASSERT_EQ(random->status, 201) << random->body;
  const std::string second = random->get_header_value("Location");
  EXPECT_TRUE(
      std::regex_match(second, std::regex(base + R"(2019/06/01/12/00/00/001/[0-9A-Za-z]{6})")))
      << second;

  auto item = Get(PathOf(old));
  ASSERT_TRUE(item);
  EXPECT_EQ(item->body, "old");
  EXPECT_EQ(item->get_header_value("Creation-Date"), "2019-06-01T12:00:00.000Z");
  // Key order, not arrival order, in every query.
  EXPECT_EQ(Ok(Get("/channel/h/earliest/3?stable=false"))["_links"]["uris"],
            json({old, second, live}));
  EXPECT_EQ(Get("/channel/h/latest?stable=false")->get_header_value("Location"),
            live + "?stable=false");
  EXPECT_EQ(Ok(Get(PathOf(live) + "/previous/5?stable=false"))["_links"]["uris"],
            json({old, second}));
  EXPECT_EQ(Ok(Get("/channel/h/2019/06/01?stable=false"))["_links"]["uris"], json({old, second}));
  // The stream face sees all three, in the order they arrived.
  EXPECT_EQ(Ok(Get("/stream/h"))[0]["count"], 3);

  ExpectHubError(Post("/channel/h/2019/06/01/12/00/00/000/abc", "again", "text/plain"), 409,
                 "already has");
  ExpectHubError(Post("/channel/h/2021/01/01/00/00/00/000/late", "x", "text/plain"), 400,
                 "after channel h's mutableTime");
  ExpectHubError(Post("/channel/h/2019/13/01/00/00/00/000/x", "x", "text/plain"), 400, "month 13");
  ExpectHubError(Post("/channel/h/latest", "x", "text/plain"), 405, "historical insert");
  ExpectHubError(client_->Delete(PathOf(old).c_str()), 405, "not allowed");
  ExpectHubError(Patch("/channel/h", R"({"mutableTime":"2020-06-01T00:00:00.000Z"})"), 400,
                 "only move back");
  ASSERT_EQ(Put("/channel/plain", "")->status, 201);
  ExpectHubError(Post("/channel/plain/2019/06/01/12/00/00/000/abc", "x", "text/plain"), 403,
                 "not historical");
  EXPECT_EQ(Ok(Get("/stream/h"))[0]["count"], 3) << "refused inserts store nothing";
}

TEST_P(HubApiTest, AnswersAreGzippedForClientsThatAcceptIt) {
  ASSERT_EQ(Put("/channel/c", R"({"description":")" + std::string(1000, 'x') + "\"}")->status, 201);
  auto r = Get("/channel/c", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(Json(r)["description"].get<std::string>().size(), 1000u) << "decoded by the client";
  EXPECT_FALSE(Get("/channel/c")->has_header("Content-Encoding"));
}

TEST_P(HubApiTest, TheStableWindowHidesTheNewestItemsUntilItPasses) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  const std::string url = Insert("c", "x");
  ExpectHubError(Get("/channel/c/latest"), 404, "stable=false");
  EXPECT_EQ(Get("/channel/c/latest?stable=false")->status, 303);
  json status = Ok(Get("/channel/c/status"));
  EXPECT_EQ(status["_links"]["latest"]["message"], "channel is empty");
  // The window here is 1 s, truncated to the second: at most 2 s.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto latest = Get("/channel/c/latest");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->status, 303);
  EXPECT_EQ(latest->get_header_value("Location"), url);
}

TEST_P(HubApiTest, TimeQueriesListThePeriodAndRefuseImpossibleDates) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  const std::string url = Insert("c", "x");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(url, m, kItemUrl)) << url;
  const std::string key = m[2];  // yyyy/MM/dd/HH/mm/ss/SSS/hash
  const std::string day = key.substr(0, 10), hour = key.substr(0, 13), second = key.substr(0, 19);
  for (const std::string& period : {day, hour, second}) {
    json listed = Ok(Get("/channel/c/" + period + "?stable=false"));
    EXPECT_EQ(listed["_links"]["uris"], json({url})) << period;
    EXPECT_TRUE(listed["_links"].contains("previous")) << period;
    // The period is not over (the day's end is the only one this test
    // cannot outlast by accident).
    if (period == day) {
      EXPECT_FALSE(listed["_links"].contains("next")) << period;
    }
  }
  // A time with milliseconds and no hash is the second that holds it.
  auto ms = Get("/channel/c/" + key.substr(0, 23));
  ASSERT_TRUE(ms);
  EXPECT_EQ(ms->status, 303);
  EXPECT_EQ(PathOf(ms->get_header_value("Location")), "/channel/c/" + second);
  json before = Ok(Get("/channel/c/2001/01/01?stable=false"));
  EXPECT_EQ(before["_links"]["uris"], json::array());
  EXPECT_EQ(PathOf(before["_links"]["next"]["href"]), "/channel/c/2001/01/02?stable=false");
  ExpectHubError(Get("/channel/c/2026/13/40"), 400, "month 13");
  ExpectHubError(Get("/channel/c/2023/02/29"), 400, "");
  ExpectHubError(Get("/channel/c/2026/01/01/24"), 400, "hour 24");
  ExpectHubError(Get("/channel/missing/2026/01/01"), 404, "does not exist");
}

TEST_P(HubApiTest, ABulkInsertStoresEveryPartAsOneItemOrNothing) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  // The Hub's own spec shape: a preamble, " \r\n" ending the headers, a
  // part without a Content-Type (text/plain).
  const std::string body =
      "preamble\r\n--abcdefg\r\nContent-Type: application/json\r\n \r\n{\"a\":1}\r\n"
      "--abcdefg\r\n\r\nsecond part\r\n"
      "--abcdefg\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--abcdefg--\r\n";
  auto r = Post("/channel/c/bulk", body, "multipart/mixed; boundary=abcdefg");
  json answer = Ok(r, 201);
  ASSERT_EQ(answer["_links"]["uris"].size(), 3u);
  EXPECT_EQ(r->get_header_value("Location"), answer["_links"]["self"]["href"]);
  // self lists exactly the items inserted.
  EXPECT_EQ(Ok(Get(PathOf(answer["_links"]["self"]["href"])))["_links"]["uris"],
            answer["_links"]["uris"]);
  auto second = Get(PathOf(answer["_links"]["uris"][1]));
  EXPECT_EQ(second->body, "second part");
  EXPECT_EQ(second->get_header_value("Content-Type"), "text/plain");
  auto third = Get(PathOf(answer["_links"]["uris"][2]));
  EXPECT_EQ(third->body, "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(third->get_header_value("Content-Type"), "image/png");

  ExpectHubError(Post("/channel/c/bulk", "--b--\r\n", "multipart/mixed; boundary=b"), 400,
                 "multipart has no items");
  ExpectHubError(
      Post("/channel/c/bulk", "--b\r\n\r\nx\r\n--b\r\n\r\ny", "multipart/mixed; boundary=b"), 400,
      "");
  ExpectHubError(Post("/channel/c/bulk", "x", "application/json"), 400, "multipart/mixed");
  // A part over the item limit (which is also the body limit here): 413.
  const std::string too_big =
      "--b\r\n\r\nsmall\r\n--b\r\n\r\n" + std::string(testing::kMaxBody + 1, 'x') + "\r\n--b--\r\n";
  auto big = Post("/channel/c/bulk", too_big, "multipart/mixed; boundary=b");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  ExpectHubError(Post("/channel/none/bulk", body, "multipart/mixed; boundary=abcdefg"), 404,
                 "does not exist");
  EXPECT_EQ(Ok(Get("/stream/c"))[0]["count"], 3);  // none of the refused bulks stored anything
}

TEST_P(HubApiTest, TimeLinksTheCurrentPeriodsAndRedirectsToThem) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  json time = Ok(Get("/channel/c/time"));
  const int64_t now = time["now"]["millis"];
  const int64_t stable = time["stable"]["millis"];
  // The window here is 1 s, truncated to the second.
  EXPECT_LE(now - stable, 2000);
  EXPECT_GE(now - stable, 1000);
  EXPECT_EQ(stable % 1000, 0);
  EXPECT_EQ(time["stable"]["iso8601"].get<std::string>().size(), 24u);
  const std::regex day(R"(http://[^/]+/channel/c/\d{4}/\d{2}/\d{2})");
  EXPECT_TRUE(std::regex_match(time["_links"]["day"]["href"].get<std::string>(), day))
      << time.dump();
  EXPECT_EQ(PathOf(time["_links"]["second"]["redirect"]), "/channel/c/time/second");
  EXPECT_NE(time["_links"]["hour"]["template"].get<std::string>().find("{hour}"),
            std::string::npos);
  auto second = Get("/channel/c/time/second?stable=false");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 303);
  EXPECT_TRUE(std::regex_match(
      PathOf(second->get_header_value("Location")),
      std::regex(R"(/channel/c/\d{4}/\d{2}/\d{2}/\d{2}/\d{2}/\d{2}\?stable=false)")));
  // The redirect's period is a time query that answers.
  EXPECT_EQ(Get(PathOf(second->get_header_value("Location")))->status, 200);
  ExpectHubError(Get("/channel/c/time/week"), 404, "/time/day");
  ExpectHubError(Get("/channel/none/time"), 404, "does not exist");
}

TEST_P(HubApiTest, ATagIsTheUnionOfItsChannelsInKeyOrder) {
  ASSERT_EQ(Put("/channel/a", R"({"tags":["fleet","x"]})")->status, 201);
  ASSERT_EQ(Put("/channel/b", R"({"tags":["fleet"]})")->status, 201);
  ASSERT_EQ(Put("/channel/other", "")->status, 201);
  // Interleaved inserts: a0 b0 a1 b1, each a few ms apart.
  std::vector<std::string> urls;
  for (int i = 0; i < 4; ++i) {
    urls.push_back(Insert(i % 2 ? "b" : "a", std::to_string(i)));
    Insert("other", "not tagged");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  json tags = Ok(Get("/tag"));
  ASSERT_EQ(tags["_links"]["tags"].size(), 2u);
  EXPECT_EQ(tags["_links"]["tags"][0]["name"], "fleet");
  json fleet = Ok(Get("/tag/fleet"));
  ASSERT_EQ(fleet["_links"]["channels"].size(), 2u);
  EXPECT_EQ(fleet["_links"]["channels"][1]["name"], "b");
  EXPECT_EQ(PathOf(fleet["_links"]["latest"]["href"]), "/tag/fleet/latest");

  auto tagged = [&](size_t i) { return urls[i] + "?tag=fleet"; };
  json latest3 = Ok(Get("/tag/fleet/latest/3?stable=false"));
  EXPECT_EQ(latest3["_links"]["uris"], json({tagged(1), tagged(2), tagged(3)}));
  json earliest = Ok(Get("/tag/fleet/earliest/10?stable=false"));
  EXPECT_EQ(earliest["_links"]["uris"], json({tagged(0), tagged(1), tagged(2), tagged(3)}));
  // ?tag= on a channel path stays in the union: next from a0 is b0.
  json next = Ok(Get(PathOf(urls[0]) + "/next/2?stable=false&tag=fleet"));
  EXPECT_EQ(next["_links"]["uris"], json({tagged(1), tagged(2)}));
  auto one = Get(PathOf(urls[3]) + "/previous?stable=false&tag=fleet");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 303);
  EXPECT_EQ(one->get_header_value("Location"), urls[2] + "?stable=false&tag=fleet");
  // Without the tag, next stays in the channel.
  EXPECT_EQ(Ok(Get(PathOf(urls[0]) + "/next/1?stable=false"))["_links"]["uris"], json({urls[2]}));
  std::smatch m;
  ASSERT_TRUE(std::regex_match(urls[0], m, kItemUrl));
  json day = Ok(Get("/tag/fleet/" + m[2].str().substr(0, 10) + "?stable=false"));
  EXPECT_EQ(day["_links"]["uris"].size(), 4u);
  ExpectHubError(Get("/tag/nothing"), 404, "no channel has the tag");
  ExpectHubError(Get("/tag/nothing/latest"), 404, "no channel has the tag");
  ExpectHubError(Get("/tag/bad%20tag"), 400, "a tag is");
}

TEST_P(HubApiTest, StreamRangesStopBeforeItemsThatAreNotDocuments) {
  ASSERT_EQ(Post("/stream/m", R"([{"a":1},{"a":2}])")->status, 200);
  Insert("m", "plain text");                                // location 2
  Insert("m", R"({"a":4})", "application/json");            // 3: JSON bytes, but not a document
  ASSERT_EQ(Post("/stream/m", R"({"a":5})")->status, 200);  // 4
  // A range shows documents up to the first item that is not one.
  auto range = Get("/stream/m/0-");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 200);
  EXPECT_EQ(range->body, R"([{"a":1},{"a":2}])");
  auto ndjson = Get("/stream/m/1-", {{"Accept", "application/x-ndjson"}});
  EXPECT_EQ(ndjson->body, "{\"a\":2}\n");
  // Paging on from there names the item and says how to read it.
  testing::ApiTest::ExpectError(Get("/stream/m/2-"), 406, "location 2 of topic m is text/plain");
  testing::ApiTest::ExpectError(Get("/stream/m/3-4"), 406, "GET /stream/m/3");
  EXPECT_EQ(Get("/stream/m/4-")->body, R"([{"a":5}])");
  // Alone, every item is served with its own type.
  auto text = Get("/stream/m/2");
  EXPECT_EQ(text->body, "plain text");
  EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain");
}

TEST_P(HubApiTest, BulkReadsAnswerTheItemsAsMultipart) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  const std::string png("\x89PNG\r\n\0\x01", 8);
  std::vector<std::string> urls = {Insert("c", "one"), Insert("c", png, "image/png"),
                                   Insert("c", "three")};
  auto r = Get("/channel/c/earliest/2?stable=false&bulk=true");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const std::string boundary = "||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||";
  EXPECT_EQ(r->get_header_value("Content-Type"), "multipart/mixed; boundary=" + boundary);
  const std::string expected_start = "--" + boundary + "\r\nContent-Type: text/plain\r\n" +
                                     "Content-Key: " + urls[0] + "\r\nCreation-Date: ";
  EXPECT_EQ(r->body.substr(0, expected_start.size()), expected_start);
  EXPECT_NE(r->body.find("\r\n\r\none\r\n--" + boundary + "\r\nContent-Type: image/png\r\n" +
                         "Content-Key: " + urls[1]),
            std::string::npos);
  EXPECT_NE(r->body.find("\r\n\r\n" + png + "\r\n--" + boundary + "--\r\n"), std::string::npos);
  EXPECT_EQ(r->body.find("three"), std::string::npos);
  EXPECT_EQ(r->get_header_value_count("Link"), 2u);
  // The Hub's own parser reads it back: a bulk read is a valid bulk insert.
  ASSERT_EQ(Put("/channel/copy", "")->status, 201);
  std::string reinsert = r->body;
  for (size_t at = reinsert.find("Content-Key: "); at != std::string::npos;
       at = reinsert.find("Content-Key: ")) {
    reinsert.erase(at, reinsert.find("\r\n", at) + 2 - at);  // keys are computed here
  }
  EXPECT_EQ(Post("/channel/copy/bulk", reinsert,
                 ("multipart/mixed; boundary=\"" + boundary + "\"").c_str())
                ->status,
            201);
  EXPECT_EQ(Get("/stream/copy/1")->body, png);
  // batch=true is the same, and descending order reverses the parts.
  auto desc = Get(PathOf(urls[0]) + "/next/2?stable=false&batch=true&order=descending");
  ASSERT_TRUE(desc);
  EXPECT_LT(desc->body.find("three"), desc->body.find("PNG"));
}

TEST_P(HubApiTest, AcceptZipAnswersTheItemsAsOneArchive) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  const std::string png("\x89PNG\r\n\0\x01", 8);
  std::vector<std::string> urls = {Insert("c", "one"), Insert("c", png, "image/png")};
  auto r = Get("/channel/c/earliest/2?stable=false&bulk=true", {{"Accept", "application/zip"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/zip");
  auto entries = Unzip(r->body);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ("http://127.0.0.1:" + std::to_string(port_) + "/channel/" + entries[0].first, urls[0]);
  EXPECT_EQ(entries[0].second, "one");
  EXPECT_EQ(entries[1].second, png);
  auto desc =
      Get("/channel/c/latest/2?stable=false&order=descending", {{"Accept", "application/zip"}});
  auto reversed = Unzip(desc->body);
  ASSERT_EQ(reversed.size(), 2u);
  EXPECT_EQ(reversed[0].second, png);
}

TEST_P(HubApiTest, ProviderInsertsCreateTheChannelWithTheDefaults) {
  httplib::Headers headers = {{"channelName", "sensors"}};
  auto r = client_->Post("/provider", headers, "21.5", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(Ok(Get("/channel/sensors"))["ttlDays"], 120);
  r = client_->Post("/provider", headers, "22.0", "text/plain");
  EXPECT_EQ(r->status, 200);
  auto second = Get("/stream/sensors/1");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "22.0");
  EXPECT_EQ(second->get_header_value("Content-Type"), "text/plain");
  ExpectHubError(Post("/provider", "x", "text/plain"), 400, "channelName");
  ExpectHubError(client_->Post("/provider", {{"channelName", "a b"}}, "x", "text/plain"), 400,
                 "may contain only");
  EXPECT_EQ(Ok(Get("/channel"))["_links"]["channels"].size(), 1u);
}

TEST_P(HubApiTest, OrderDescendingReversesEveryList) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  std::vector<std::string> urls;
  for (int i = 0; i < 3; ++i) urls.push_back(Insert("c", std::to_string(i)));
  EXPECT_EQ(Ok(Get("/channel/c/earliest/3?stable=false&order=descending"))["_links"]["uris"],
            json({urls[2], urls[1], urls[0]}));
  EXPECT_EQ(Ok(Get(PathOf(urls[0]) + "/next/2?stable=false&order=d"))["_links"]["uris"],
            json({urls[2], urls[1]}));
  EXPECT_EQ(Ok(Get(PathOf(urls[0]) + "/next/2?stable=false&order=ascending"))["_links"]["uris"],
            json({urls[1], urls[2]}));
}

TEST_P(HubApiTest, HealthIsOneDocumentForEveryFaceAndTheRootLinksTheChannels) {
  ASSERT_EQ(Put("/channel/c", "")->status, 201);
  json health = Ok(Get("/health"));
  EXPECT_EQ(health["status"], "ok");  // PhatData's
  EXPECT_EQ(health["topics"], 1);
  EXPECT_EQ(health["healthy"], true);  // the Hub's
  EXPECT_TRUE(health["version"].is_string());
  EXPECT_EQ(health["readOnly"], false);
  EXPECT_EQ(health["startTime"].get<std::string>().size(), 24u);
  EXPECT_EQ(health["upTimeHours"], 0);
  EXPECT_EQ(PathOf(health["_links"]["metrics"]["href"]), "/metrics");
  json root = Ok(Get("/"));
  EXPECT_EQ(root["_links"]["channel"]["href"],
            "http://127.0.0.1:" + std::to_string(port_) + "/channel");
  EXPECT_EQ(Ok(Get(PathOf(root["_links"]["channel"]["href"])))["_links"]["channels"].size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Targets, HubApiTest,
                         ::testing::Values(Target::kInProcess, Target::kRealProgram),
                         testing::TargetName);

}  // namespace
}  // namespace pdfs
