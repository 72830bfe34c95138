// The fixture of the HTTP API tests (tests/http/): one server per test,
// in-process or the real program, and a client that sends paths exactly as
// written.
#ifndef PDFS_TESTS_SUPPORT_API_FIXTURE_H_
#define PDFS_TESTS_SUPPORT_API_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "error_map.h"
#include "pdfs/http/server.h"
#include "pdfs/store.h"
#include "support/pdfs_process.h"
#include "support/temp_dir.h"

namespace pdfs::testing {

using json = nlohmann::json;

enum class Target { kInProcess, kRealProgram };

// The request body and document limit both targets run with.
inline constexpr size_t kMaxBody = 1 << 20;

// A test that runs twice: against an http::Server in this process, and
// black-box against the real `pdfs serve` program (PDFS_BINARY). Gives a
// keep-alive client and the checks every API test makes of a JSON answer.
class ApiTest : public ::testing::TestWithParam<Target> {
 protected:
  void SetUp() override {
    if (GetParam() == Target::kInProcess) {
      Options options;
      options.max_document_bytes = kMaxBody;
      auto opened = Store::Open(options, dir_.Sub("data"));
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      store_ = std::move(opened).value();
      http::ServerOptions server_options;
      server_options.port = 0;
      server_options.max_body_bytes = kMaxBody;
      server_options.threads = 16;
      server_options.max_wait_seconds = 10;
      server_options.hub_stable_seconds = stable_seconds_;
      server_ = std::make_unique<http::Server>(store_.get(), server_options);
      ASSERT_TRUE(server_->Start().ok());
      port_ = server_->port();
    } else {
      process_ = std::make_unique<PdfsServe>(
          PDFS_BINARY, dir_.Sub("data"),
          std::vector<std::string>{"--max-body", std::to_string(kMaxBody), "--max-wait", "10",
                                   "--threads", "16", "--stable-seconds",
                                   std::to_string(stable_seconds_)});
      ASSERT_TRUE(process_->ok());
      port_ = process_->port();
    }
    client_ = NewClient();
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    store_.reset();
    process_.reset();
  }

  std::unique_ptr<httplib::Client> NewClient() {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_url_encode(false);  // tests send paths exactly as written
    c->set_read_timeout(60, 0);
    return c;
  }

  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) {
    return client_->Get(path.c_str(), headers);
  }
  httplib::Result Post(const std::string& path, const std::string& body,
                       const char* content_type = "application/json") {
    return client_->Post(path.c_str(), body, content_type);
  }
  httplib::Result Delete(const std::string& path) { return client_->Delete(path.c_str()); }
  httplib::Result Method(const std::string& method, const std::string& path) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    return client_->send(req);
  }

  static json Json(const httplib::Result& r) {
    EXPECT_TRUE(r) << "no response";
    if (!r) return json();
    json j = json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << r->body;
    return j;
  }

  // The response has `status` and a JSON body {"error": "...fragment...",
  // "code": name}, where the code is one a client can turn back into the
  // engine's Status, and one that HTTP status stands for.
  static void ExpectError(const httplib::Result& r, int status, const std::string& fragment) {
    ASSERT_TRUE(r) << "no response";
    EXPECT_EQ(r->status, status) << r->body;
    json j = Json(r);
    ASSERT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string()) << r->body;
    EXPECT_NE(j["error"].get<std::string>().find(fragment), std::string::npos)
        << "error was: " << j["error"];
    ASSERT_TRUE(j.contains("code") && j["code"].is_string()) << r->body;
    std::optional<Status::Code> code = Status::CodeFromName(j["code"].get<std::string>());
    ASSERT_TRUE(code.has_value()) << r->body;
    EXPECT_TRUE(http::HttpStatusFor(*code) == status || http::CodeForRefusal(status) == *code)
        << "code " << j["code"] << " does not stand for HTTP " << status;
  }

  // The Hub's stable window both targets run with; a suite may set it in
  // its constructor.
  uint64_t stable_seconds_ = 5;
  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<PdfsServe> process_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

// Names the two runs of a parameterized suite: Suite/Test/InProcess, .../RealProgram.
inline std::string TargetName(const ::testing::TestParamInfo<Target>& info) {
  return info.param == Target::kInProcess ? "InProcess" : "RealProgram";
}

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_API_FIXTURE_H_
