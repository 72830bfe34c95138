// Hub channels (docs/HUB.md): the FlightStats Hub V2 channel API on the
// same topics as every other face. engine/hub does the work (channels.h,
// keys.h, queries.h); this file parses paths, builds the Hub's HAL links
// and maps errors, which the Hub answers as plain text.
//
//   method  pattern                                   handler
//   GET     /channel                                  {"_links":{"self","channels":[...]}}
//   POST    /channel                                  create from the config body     201
//   GET     /channel/:c                               the config with its _links
//   PUT     /channel/:c                               create or change                201
//   PATCH   /channel/:c                               change the named fields         200
//   DELETE  /channel/:c                               delete                          202
//   POST    /channel/:c                               insert one item                 201
//   POST    /channel/:c/bulk                          multipart/mixed, one item a part 201
//   POST    /channel/:c/Y/M/D/h/m/s/ms[/hash]         historical insert (mutableTime)  201
//   GET     /channel/:c/status                        latest and earliest links
//   GET     /channel/:c/time                          the time template document
//   GET     /channel/:c/time/second|minute|hour|day   303 to the current (stable) period
//   GET     /channel/:c/latest|earliest               303 to the item (404 if none)
//   GET     /channel/:c/latest|earliest/N             {"_links":{"self","uris",...}}
//   GET     /channel/:c/Y/M/D[/h[/m[/s]]]             the items of that period
//   GET     /channel/:c/Y/M/D/h/m/s/ms                303 to the containing second
//   GET     /channel/:c/Y/M/D/h/m/s/ms/hash           the item
//   GET     /channel/:c/<key>/next|previous[/N]       303 to the neighbour, or N of them
//   GET     /tag                                      {"_links":{"self","tags":[...]}}
//   GET     /tag/:t                                   self, latest, earliest, time, channels
//   GET     /tag/:t/latest|earliest[/N], /time..., /Y/M/D[...], /<key>/next|previous[/N]
//           the union of the tagged channels; ?tag=t on channel paths stays in it
//   POST    /provider (header channelName)            insert, creating the channel   200
//   GET     /                                         the root links
//   OPTIONS on every /channel path                     204 with CORS and Allow
// Every response under /channel carries Server, Hub-Node and CORS headers;
// a path ending in '/' is redirected (307) to the one without.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "error_map.h"
#include "pdfs/hub/channels.h"
#include "pdfs/hub/keys.h"
#include "pdfs/hub/queries.h"
#include "pdfs/hub/tags.h"
#include "pdfs/hub/zip_archive.h"
#include "request_helpers.h"
#include "routes.h"

namespace pdfs::http {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr ErrorShape kShape = ErrorShape::kPlainText;
// The most items a day, hour, minute or second query lists. The answer is
// one JSON document built in memory; a period with more items is refused
// with a sentence rather than answered with hundreds of megabytes.
constexpr size_t kMaxTimeQueryItems = 100000;
constexpr char kPrefix[] = "/channel";
constexpr char kProvider[] = "/provider";
constexpr char kTagPrefix[] = "/tag";
// The Hub's bulk reads use this fixed boundary (MultiPartBulkBuilder).
constexpr char kBulkBoundary[] =
    "||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||~~~~~~||||||";

void Fail(httplib::Response& res, const Status& status) { WriteError(res, status, kShape); }
void Fail(httplib::Response& res, int http_status, const std::string& message) {
  WriteError(res, http_status, message, kShape);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the Hub face counts, beyond what every family does. Lock-free.
struct HubCounters {
  std::atomic<uint64_t> channels_created{0};
  std::atomic<uint64_t> items_inserted{0};
  std::atomic<uint64_t> items_served{0};
};

// The Hub trusts only local clients to undo a channel's protection.
hub::Requester RequesterOf(const httplib::Request& req) {
  const std::string& addr = req.remote_addr;
  return hub::Requester{.local = addr == "127.0.0.1" || addr == "::1" ||
                                 addr.rfind("::ffff:127.", 0) == 0 || addr.rfind("127.", 0) == 0};
}

// The query string of the request, for links that keep it ("?stable=false").
std::string QueryOf(const httplib::Request& req) {
  const size_t q = req.target.find('?');
  return q == std::string::npos ? std::string() : req.target.substr(q);
}

json Href(const std::string& url) { return json{{"href", url}}; }

// Links of a channel, as `name` was written in the request (the Hub echoes
// the client's case).
std::string ChannelLinks(const std::string& channel_url) {
  std::string ws = channel_url;
  ws.replace(0, ws.find("://"), ws.rfind("https", 0) == 0 ? "wss" : "ws");
  ordered links;
  links["self"] = Href(channel_url);
  links["latest"] = Href(channel_url + "/latest");
  links["earliest"] = Href(channel_url + "/earliest");
  links["bulk"] = Href(channel_url + "/bulk");
  links["ws"] = Href(ws + "/ws");
  links["events"] = Href(channel_url + "/events");
  links["time"] = Href(channel_url + "/time");
  links["status"] = Href(channel_url + "/status");
  return links.dump();
}

// A query's visibility bound: the Hub shows only items older than the
// stable window unless ?stable=false.
int64_t VisibleUntil(const RouteContext& ctx, const httplib::Request& req) {
  if (req.get_param_value("stable") == "false") return INT64_MAX;
  const int64_t stable = NowMs() - static_cast<int64_t>(ctx.options.hub_stable_seconds) * 1000;
  return stable - stable % 1000;  // the Hub truncates the stable time to the second
}

// N of latest/N, next/N ...: 1..kMaxDirectionCount.
bool ParseCount(std::string_view text, httplib::Response& res, size_t* n) {
  size_t value = 0;
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  // Any larger count is served as the cap (the Hub's directionCountLimit),
  // however many digits it has: no number overflows here.
  if (digits) {
    const size_t first = text.find_first_not_of('0');
    value = first == std::string_view::npos ? 0
            : text.size() - first > 9       ? hub::kMaxDirectionCount
                                            : std::stoul(std::string(text.substr(first)));
  }
  if (!digits || value == 0) {
    Fail(res, 400,
         "the count \"" + std::string(text.substr(0, 20)) + "\" must be a number from 1 to " +
             std::to_string(hub::kMaxDirectionCount));
    return false;
  }
  *n = std::min(value, hub::kMaxDirectionCount);
  return true;
}

std::vector<std::string> Split(std::string_view rest) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t end = rest.find('/', start);
    if (end == std::string_view::npos) end = rest.size();
    segments.emplace_back(rest.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool IsNumber(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// True if Accept admits `type`: no Accept at all, or an accepted media
// range (AcceptedMediaRanges) that is */*, the type's major/*, or the type.
bool Admits(const std::string& accept, const std::string& type) {
  if (accept.empty()) return true;
  std::string bare = type.substr(0, type.find(';'));
  for (char& c : bare) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string major = bare.substr(0, bare.find('/'));
  for (const std::string& range : AcceptedMediaRanges(accept)) {
    if (range == "*/*" || range == major + "/*" || range == bare) return true;
  }
  return false;
}

class HubRoutes : public RouteFamily {
 public:
  void Register(httplib::Server& server, RouteContext& ctx) override {
    ctx_ = &ctx;
    ClaimErrorShape(ctx, kPrefix, kShape);
    ClaimErrorShape(ctx, kProvider, kShape);
    ClaimErrorShape(ctx, kTagPrefix, kShape);
    const std::string channels = R"(/channel)";
    const std::string channel = R"(/channel/([^/]+))";
    const std::string below = R"(/channel/([^/]+)/(.+))";
    const std::string bulk = R"(/channel/([^/]+)/bulk)";
    const std::string tag = R"(/tag/([^/]+))";
    const std::string below_tag = R"(/tag/([^/]+)/(.+))";
    // Not "bulk": httplib tries the handlers that read their own body (the
    // 405s of RegisterMethodNotAllowed) before the others, so the 405 of an
    // overlapping pattern would refuse POST .../bulk.
    const std::string below_but_bulk = R"(/channel/([^/]+)/((?!bulk$).+))";

    server.Get(channels, [this](const httplib::Request& req, httplib::Response& res) {
      ListChannels(req, res);
    });
    server.Post(channels, [this](const httplib::Request& req, httplib::Response& res) {
      Result<hub::ChannelView> created =
          hub::CreateChannel(*ctx_->store, req.body, RequesterOf(req));
      if (!created.ok()) return Fail(res, created.status());
      ++counters_.channels_created;
      AnswerConfig(req, res, *created, created->name, 201);
      res.set_header("Location", ChannelUrl(req, created->name));
    });
    server.Get(channel, [this](const httplib::Request& req, httplib::Response& res) {
      const std::string name = req.matches[1];
      Result<hub::ChannelView> view = hub::GetChannel(*ctx_->store, name);
      if (!view.ok()) return Fail(res, view.status());
      AnswerConfig(req, res, *view, name, 200);
    });
    server.Put(channel, [this](const httplib::Request& req, httplib::Response& res) {
      const std::string name = req.matches[1];
      Result<hub::UpsertedChannel> put =
          hub::PutChannel(*ctx_->store, name, req.body, RequesterOf(req));
      if (!put.ok()) return Fail(res, put.status());
      if (put->created) ++counters_.channels_created;
      // The Hub answers 201 to every PUT, creation or not.
      AnswerConfig(req, res, put->view, name, 201);
      res.set_header("Location", ChannelUrl(req, name));
    });
    server.Patch(channel, [this](const httplib::Request& req, httplib::Response& res) {
      const std::string name = req.matches[1];
      Result<hub::ChannelView> patched =
          hub::PatchChannel(*ctx_->store, name, req.body, RequesterOf(req));
      if (!patched.ok()) return Fail(res, patched.status());
      AnswerConfig(req, res, *patched, name, 200);
    });
    server.Delete(channel, [this](const httplib::Request& req, httplib::Response& res) {
      Status s = hub::DeleteChannel(*ctx_->store, req.matches[1].str(), RequesterOf(req));
      if (!s.ok()) return Fail(res, s);
      res.status = 202;
    });
    server.Post(channel,
                [this](const httplib::Request& req, httplib::Response& res) { Insert(req, res); });
    server.Get(below, [this](const httplib::Request& req, httplib::Response& res) {
      Read(req, res, false);
    });
    server.Get(kTagPrefix,
               [this](const httplib::Request& req, httplib::Response& res) { ListTags(req, res); });
    server.Get(tag, [this](const httplib::Request& req, httplib::Response& res) {
      DescribeTag(req, res);
    });
    server.Get(below_tag, [this](const httplib::Request& req, httplib::Response& res) {
      Read(req, res, true);
    });
    server.Post(bulk, [this](const httplib::Request& req, httplib::Response& res) {
      InsertBulk(req, res);
    });
    server.Post(below_but_bulk, [this](const httplib::Request& req, httplib::Response& res) {
      InsertHistorical(req, res);
    });
    // The Hub's provider insert: the channel is named by a header and made
    // with the defaults if it does not exist; 200 with no body.
    server.Post(kProvider, [this](const httplib::Request& req, httplib::Response& res) {
      if (!req.has_header("channelName")) {
        return Fail(res, 400, "name the channel in a channelName header");
      }
      Result<hub::InsertedItem> inserted =
          hub::ProvideItem(*ctx_->store, req.get_header_value("channelName"),
                           req.get_header_value("Content-Type"), req.body);
      if (!inserted.ok()) return Fail(res, inserted.status());
      ++counters_.items_inserted;
      ++ctx_->metrics.appended_documents;
      res.status = 200;
    });
    // The Hub's root: links to what is served. (A browser's text/html
    // request will get the console here once there is one.)
    server.Get("/", [](const httplib::Request& req, httplib::Response& res) {
      const std::string base = BaseUrl(req);
      ordered links;
      links["self"] = Href(base + "/");
      links["channel"] = Href(base + kPrefix);
      links["health"] = Href(base + "/health");
      links["metrics"] = Href(base + "/metrics");
      res.set_content(ordered{{"_links", links}}.dump(), kJson);
    });

    RegisterMethodNotAllowed(server, ctx, channels, kGet | kPost);
    RegisterMethodNotAllowed(server, ctx, channel, kGet | kPost | kPut | kPatch | kDelete);
    RegisterMethodNotAllowed(server, ctx, bulk, kPost);
    RegisterMethodNotAllowed(server, ctx, below_but_bulk, kGet | kPost);
    RegisterMethodNotAllowed(server, ctx, kProvider, kPost);
    RegisterMethodNotAllowed(server, ctx, kTagPrefix, kGet);
    RegisterMethodNotAllowed(server, ctx, tag, kGet);
    RegisterMethodNotAllowed(server, ctx, below_tag, kGet);
    RegisterMethodNotAllowed(server, ctx, "/", kGet);
  }

  bool BeforeRouting(const httplib::Request& req, httplib::Response& res) const override {
    if (!Owns(req.path)) return false;
    // httplib decodes the path before routing: /channel/t%2Flatest would
    // be /channel/t/latest. No channel name holds a '/', so refuse it.
    if (HasEncodedSlash(req)) {
      Fail(res, 400, kEncodedSlashError);
      return true;
    }
    if (req.path.size() <= 1 || req.path.back() != '/') return false;
    // The Hub's RemoveSlashFilter: /channel/c/ is /channel/c.
    std::string target = req.path;
    while (target.size() > 1 && target.back() == '/') target.pop_back();
    res.status = 307;
    res.set_header("Location", BaseUrl(req) + target + QueryOf(req));
    return true;
  }

  void AfterRouting(const httplib::Request& req, httplib::Response& res) const override {
    if (!Owns(req.path)) return;
    res.set_header("Server", "Hub/pdfs-" PDFS_VERSION);
    res.set_header("Hub-Node", req.local_addr + ":" + std::to_string(req.local_port));
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_header("Access-Control-Allow-Headers", "origin, content-type, accept, authorization");
    res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS, HEAD");
  }

  void AppendMetrics(MetricsText& out) const override {
    out.Add("pdfs_hub_channels_created_total", "counter",
            "Channels created with POST /channel or PUT /channel/NAME.",
            counters_.channels_created);
    out.Add("pdfs_hub_items_inserted_total", "counter", "Items inserted with POST /channel/NAME.",
            counters_.items_inserted);
    out.Add("pdfs_hub_items_served_total", "counter", "Items read by key.", counters_.items_served);
  }

 private:
  static bool Owns(const std::string& path) {
    return PathUnder(path, kPrefix) || PathUnder(path, kTagPrefix) || path == kProvider;
  }

  static std::string ChannelUrl(const httplib::Request& req, const std::string& name) {
    return BaseUrl(req) + kPrefix + "/" + name;
  }

  static std::string ItemUrl(const httplib::Request& req, const std::string& name,
                             const hub::ContentKey& key) {
    return ChannelUrl(req, name) + "/" + key.ToPath();
  }

  void AnswerConfig(const httplib::Request& req, httplib::Response& res,
                    const hub::ChannelView& view, const std::string& name_as_asked,
                    int status) const {
    res.status = status;
    res.set_content(hub::SerializeChannelConfig(view.name, view.config,
                                                ChannelLinks(ChannelUrl(req, name_as_asked))),
                    kJson);
  }

  void ListChannels(const httplib::Request& req, httplib::Response& res) const {
    const std::string channels_url = BaseUrl(req) + kPrefix;
    json list = json::array();
    for (const std::string& name : hub::ListChannels(*ctx_->store)) {
      list.push_back({{"name", name}, {"href", channels_url + "/" + name}});
    }
    ordered links;
    links["self"] = Href(channels_url);
    links["channels"] = std::move(list);
    res.set_content(ordered{{"_links", links}}.dump(), kJson);
  }

  void ListTags(const httplib::Request& req, httplib::Response& res) const {
    const std::string tags_url = BaseUrl(req) + kTagPrefix;
    json list = json::array();
    for (const auto& [tag, channels] : hub::ListTags(*ctx_->store)) {
      list.push_back({{"name", tag}, {"href", tags_url + "/" + tag}});
    }
    ordered links;
    links["self"] = Href(tags_url);
    links["tags"] = std::move(list);
    res.set_content(ordered{{"_links", links}}.dump(), kJson);
  }

  void DescribeTag(const httplib::Request& req, httplib::Response& res) const {
    const std::string tag = req.matches[1];
    Result<std::vector<std::string>> channels = hub::ChannelsWithTag(*ctx_->store, tag);
    if (!channels.ok()) return Fail(res, channels.status());
    const std::string base = BaseUrl(req);
    const std::string url = base + kTagPrefix + "/" + tag;
    json list = json::array();
    for (const std::string& name : *channels) {
      list.push_back({{"name", name}, {"href", base + kPrefix + "/" + name}});
    }
    ordered links;
    links["self"] = Href(url);
    links["latest"] = Href(url + "/latest");
    links["earliest"] = Href(url + "/earliest");
    links["time"] = Href(url + "/time");
    links["channels"] = std::move(list);
    res.set_content(ordered{{"_links", links}}.dump(), kJson);
  }

  void Insert(const httplib::Request& req, httplib::Response& res) {
    AnswerInserted(req, res,
                   hub::InsertItem(*ctx_->store, req.matches[1].str(),
                                   req.get_header_value("Content-Type"), req.body));
  }

  // POST on an item key below a historical channel: the item gets that key
  // (or that time and a random hash). Elsewhere below a channel POST is 405.
  void InsertHistorical(const httplib::Request& req, httplib::Response& res) {
    const std::vector<std::string> segs = Split(req.matches[2].str());
    const bool key_path = (segs.size() == 7 || segs.size() == 8) &&
                          std::all_of(segs.begin(), segs.begin() + 7, IsNumber);
    if (!key_path) {
      res.set_header("Allow", "GET, HEAD, OPTIONS");
      return Fail(res, 405,
                  "POST below a channel is a historical insert and takes an item key: "
                  "/channel/NAME/yyyy/MM/dd/HH/mm/ss/SSS[/hash]");
    }
    const std::vector<std::string_view> time_path(segs.begin(), segs.end());
    Result<hub::TimePath> path = hub::ParseTimePath(time_path);
    if (!path.ok()) return Fail(res, path.status());
    AnswerInserted(req, res,
                   hub::InsertHistorical(*ctx_->store, req.matches[1].str(), path->start_ms,
                                         path->hash.value_or(""),
                                         req.get_header_value("Content-Type"), req.body));
  }

  // 201 with the item's Location and the Hub's insert body.
  void AnswerInserted(const httplib::Request& req, httplib::Response& res,
                      const Result<hub::InsertedItem>& inserted) {
    if (!inserted.ok()) return Fail(res, inserted.status());
    ++counters_.items_inserted;
    ++ctx_->metrics.appended_documents;
    const std::string name = req.matches[1];
    const std::string url = ItemUrl(req, name, inserted->key());
    ordered body;
    body["timestamp"] = hub::FormatIso8601Millis(inserted->time_ms);
    body["_links"] = {{"channel", Href(ChannelUrl(req, name))}, {"self", Href(url)}};
    res.status = 201;
    res.set_header("Location", url);
    res.set_content(body.dump(), kJson);
  }

  // A multipart/mixed body, each part one item, in one atomic append. The
  // answer links the items as the Hub does: `uris`, and `self` a next/N
  // query that lists exactly them.
  void InsertBulk(const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    Result<std::string> boundary = hub::BoundaryOf(req.get_header_value("Content-Type"));
    if (!boundary.ok()) return Fail(res, boundary.status());
    hub::MultipartLimits limits;
    limits.max_part_bytes = ctx_->store->options().max_document_bytes;
    Result<std::vector<hub::BulkPart>> parts = hub::ParseMultipart(req.body, *boundary, limits);
    if (!parts.ok()) return Fail(res, parts.status());
    Result<hub::InsertedBulk> inserted = hub::InsertBulk(*ctx_->store, name, *parts);
    if (!inserted.ok()) return Fail(res, inserted.status());
    counters_.items_inserted += inserted->count;
    ctx_->metrics.appended_documents += inserted->count;
    // Every item shares the channel URL and the time of its key: format
    // them once, not once per item.
    const std::string time_url =
        ChannelUrl(req, name) + "/" + hub::ContentKey{inserted->time_ms, ""}.ToPath();
    json uris = json::array();
    for (size_t i = 0; i < inserted->count; ++i) {
      uris.push_back(time_url + hub::HashOfLocation(inserted->first_location + i));
    }
    const std::string self =
        ItemUrl(req, name, hub::KeyOf(inserted->time_ms, inserted->first_location)) + "/next/" +
        std::to_string(inserted->count) + "?stable=false&inclusive=true";
    ordered links;
    links["self"] = Href(self);
    links["uris"] = std::move(uris);
    res.status = 201;
    res.set_header("Location", self);
    res.set_content(ordered{{"_links", links}}.dump(), kJson);
  }

  // What a read walks: one channel, or the union of a tag's channels ("tag
  // context": a /tag path, or ?tag= on a channel path).
  struct Scope {
    std::string what;                   // "channel c" or "tag t", for sentences
    std::string base;                   // BaseUrl(req), computed once for every link
    std::string url;                    // the scope's own URL: periods and /time hang below it
    std::string name;                   // the channel as the request wrote it (channel scope)
    std::string topic;                  // its topic (channel scope)
    std::string tag;                    // non-empty in tag context
    std::vector<std::string> channels;  // the tag's channels
    std::string query;                  // what links carry: the request's query (and tag=)
  };

  Result<Scope> ChannelScope(const httplib::Request& req, const std::string& name) const {
    Result<std::string> topic = hub::ResolveChannel(*ctx_->store, name);
    if (!topic.ok()) return topic.status();
    Scope scope;
    scope.what = "channel " + name;
    scope.base = BaseUrl(req);
    scope.url = scope.base + kPrefix + "/" + name;
    scope.name = name;
    scope.topic = *topic;
    scope.query = QueryOf(req);
    if (req.has_param("tag")) {
      Result<std::vector<std::string>> channels =
          hub::ChannelsWithTag(*ctx_->store, req.get_param_value("tag"));
      if (!channels.ok()) return channels.status();
      scope.tag = req.get_param_value("tag");
      scope.channels = std::move(channels).value();
    }
    return scope;
  }

  Result<Scope> TagScope(const httplib::Request& req, const std::string& tag) const {
    Result<std::vector<std::string>> channels = hub::ChannelsWithTag(*ctx_->store, tag);
    if (!channels.ok()) return channels.status();
    std::string query = QueryOf(req);
    query += (query.empty() ? "?tag=" : "&tag=") + tag;
    Scope scope;
    scope.what = "tag " + tag;
    scope.base = BaseUrl(req);
    scope.url = scope.base + kTagPrefix + "/" + tag;
    scope.tag = tag;
    scope.channels = std::move(channels).value();
    scope.query = std::move(query);
    return scope;
  }

  // The URL of an item of the scope, without a query. Called per listed
  // item: the base URL is the scope's, not parsed again from the headers.
  static std::string ItemUrlIn(const Scope& scope, const hub::TaggedItem& t) {
    return scope.base + kPrefix + "/" + (scope.tag.empty() ? scope.name : t.channel) + "/" +
           t.item.key().ToPath();
  }

  // The scope's items of one query: `single` for a channel, `tagged` for
  // the union.
  template <typename Single, typename Tagged>
  Result<std::vector<hub::TaggedItem>> Query(const Scope& scope, Single single,
                                             Tagged tagged) const {
    if (!scope.tag.empty()) return tagged(scope.channels);
    Result<std::vector<hub::ItemRef>> items = single(scope.topic);
    if (!items.ok()) return items.status();
    std::vector<hub::TaggedItem> out;
    out.reserve(items->size());
    for (const hub::ItemRef& item : *items) out.push_back({scope.topic, item});
    return out;
  }

  Result<std::vector<hub::TaggedItem>> Ends(const Scope& scope, bool latest, size_t n,
                                            int64_t visible) const {
    Store& store = *ctx_->store;
    return Query(
        scope,
        [&](const std::string& topic) {
          return latest ? hub::Latest(store, topic, n, visible)
                        : hub::Earliest(store, topic, n, visible);
        },
        [&](const std::vector<std::string>& channels) {
          return latest ? hub::TagLatest(store, channels, n, visible)
                        : hub::TagEarliest(store, channels, n, visible);
        });
  }

  Result<std::vector<hub::TaggedItem>> Direction(const Scope& scope, bool next,
                                                 const hub::ContentKey& from, size_t n,
                                                 bool inclusive, int64_t visible) const {
    Store& store = *ctx_->store;
    return Query(
        scope,
        [&](const std::string& topic) {
          return next ? hub::Next(store, topic, from, n, inclusive, visible)
                      : hub::Previous(store, topic, from, n, inclusive, visible);
        },
        [&](const std::vector<std::string>& channels) {
          return next ? hub::TagNext(store, channels, from, scope.topic, n, inclusive, visible)
                      : hub::TagPrevious(store, channels, from, scope.topic, n, inclusive, visible);
        });
  }

  // Everything below /channel/:c and /tag/:t that is read: dispatched on
  // the segments.
  void Read(const httplib::Request& req, httplib::Response& res, bool tag_path) {
    const std::string name = req.matches[1];
    const std::vector<std::string> segs = Split(req.matches[2].str());
    Result<Scope> scope = tag_path ? TagScope(req, name) : ChannelScope(req, name);
    if (!scope.ok()) return Fail(res, scope.status());
    const int64_t visible = VisibleUntil(*ctx_, req);
    const std::string& first = segs[0];
    if ((first == "latest" || first == "earliest") && segs.size() <= 2) {
      size_t n = 1;
      if (segs.size() == 2 && !ParseCount(segs[1], res, &n)) return;
      Result<std::vector<hub::TaggedItem>> items = Ends(*scope, first == "latest", n, visible);
      if (segs.size() == 1) return RedirectToOne(req, res, *scope, items, first);
      return AnswerEnds(req, res, *scope, items, n);
    }
    if (first == "status" && segs.size() == 1 && !tag_path) {
      return ChannelStatus(req, res, name, scope->topic);
    }
    if (first == "time" && segs.size() <= 2) return Time(req, res, scope->url, segs);
    if (!IsNumber(first)) {
      return Fail(res, 404, "no such endpoint: GET " + req.path.substr(0, 200));
    }
    size_t numbers = 0;
    while (numbers < segs.size() && numbers < 7 && IsNumber(segs[numbers])) ++numbers;
    // After a full time (7 numbers) comes the hash; after fewer, a direction.
    const size_t time_segments = numbers == 7 && segs.size() > 7 ? 8 : numbers;
    std::vector<std::string_view> time_path(segs.begin(), segs.begin() + time_segments);
    Result<hub::TimePath> path = hub::ParseTimePath(time_path);
    if (!path.ok()) return Fail(res, path.status());
    const std::vector<std::string> tail(segs.begin() + time_segments, segs.end());
    if (tail.empty()) {
      if (path->hash && !tag_path) return Item(req, res, name, scope->topic, *path);
      if (path->unit == hub::TimeUnit::kMillis) {
        // The Hub: a time without a hash is the second that holds it.
        res.status = 303;
        res.set_header("Location", scope->url + "/" +
                                       hub::PeriodPath(path->start_ms, hub::TimeUnit::kSecond) +
                                       QueryOf(req));
        return;
      }
      if (!path->hash) return Period(req, res, *scope, *path, visible);
    }
    if (tail.empty() || (tail[0][0] != 'n' && tail[0][0] != 'p') || tail.size() > 2 ||
        !path->hash) {
      return Fail(res, 404,
                  "no such endpoint: GET " + req.path.substr(0, 200) +
                      " (next and previous follow a full key: Y/M/D/h/m/s/ms/hash)");
    }
    const bool next = tail[0][0] == 'n';
    const hub::ContentKey from{path->start_ms, *path->hash};
    const bool inclusive = req.get_param_value("inclusive") == "true";
    size_t n = 1;
    if (tail.size() == 2 && !ParseCount(tail[1], res, &n)) return;
    Result<std::vector<hub::TaggedItem>> items =
        Direction(*scope, next, from, n, inclusive, visible);
    if (tail.size() == 1) return RedirectToOne(req, res, *scope, items, tail[0]);
    if (!items.ok()) return Fail(res, items.status());
    AnswerDirectional(req, res, *scope, *items, n, from, next);
  }

  void AnswerEnds(const httplib::Request& req, httplib::Response& res, const Scope& scope,
                  const Result<std::vector<hub::TaggedItem>>& items, size_t n) const {
    if (!items.ok()) return Fail(res, items.status());
    if (items->empty()) {
      return Fail(res, 404, scope.what + " has no stable items" + StableHint(req));
    }
    const std::string count = std::to_string(n) + scope.query;
    ordered links;
    links["self"] = Href(BaseUrl(req) + req.path + QueryOf(req));
    links["next"] = Href(ItemUrlIn(scope, items->back()) + "/next/" + count);
    links["previous"] = Href(ItemUrlIn(scope, items->front()) + "/previous/" + count);
    AnswerList(req, res, scope, *items, std::move(links));
  }

  // A list answer: the HAL document, or with ?bulk=true (or batch=true) the
  // items themselves as multipart/mixed, as the Hub's bulk reads, with the
  // list's next and previous as Link headers. The parts are read one at a
  // time while the body is sent, so memory stays flat whatever the items.
  void AnswerList(const httplib::Request& req, httplib::Response& res, const Scope& scope,
                  const std::vector<hub::TaggedItem>& items, ordered links) const {
    links["uris"] = Uris(req, scope, items);
    if (req.get_header_value("Accept").find("application/zip") != std::string::npos) {
      return AnswerZip(req, res, links["uris"], items);
    }
    if (req.get_param_value("bulk") != "true" && req.get_param_value("batch") != "true") {
      res.set_content(ordered{{"_links", links}}.dump(), kJson);
      return;
    }
    for (const char* rel : {"previous", "next"}) {
      if (links.contains(rel)) {
        res.set_header("Link",
                       "<" + links[rel]["href"].get<std::string>() + ">;rel=\"" + rel + "\"");
      }
    }
    struct BulkStream {
      std::vector<hub::TaggedItem> items;
      std::vector<std::string> urls;
      size_t next = 0;
    };
    auto stream = std::make_shared<BulkStream>();
    stream->items = items;
    for (const auto& uri : links["uris"]) stream->urls.push_back(uri.get<std::string>());
    if (Descending(req)) std::reverse(stream->items.begin(), stream->items.end());
    Store* store = ctx_->store;
    res.set_chunked_content_provider(
        std::string("multipart/mixed; boundary=") + kBulkBoundary,
        [stream, store](size_t, httplib::DataSink& sink) {
          if (stream->next == stream->items.size()) {
            const std::string end = std::string("--") + kBulkBoundary + "--\r\n";
            if (!sink.write(end.data(), end.size())) return false;
            sink.done();
            return true;
          }
          const size_t i = stream->next++;
          const hub::TaggedItem& t = stream->items[i];
          Result<Record> record = store->Get(t.channel, t.item.location);
          // Trimmed or cut since the list was made: the part is left out,
          // as a list made a moment later would leave it out.
          if (!record.ok()) return true;
          std::string part =
              std::string("--") + kBulkBoundary + "\r\nContent-Type: " + record->content_type +
              "\r\nContent-Key: " + stream->urls[i] +
              "\r\nCreation-Date: " + hub::FormatIso8601Millis(t.item.time_ms) + "\r\n\r\n";
          part += record->data;
          part += "\r\n";
          return sink.write(part.data(), part.size());
        });
  }

  // The items of a list as one zip archive, each named by its URL's path
  // below /channel/ (channel/key). Built in memory, so bounded by the
  // server's body limit: a larger list is 413 with a sentence.
  void AnswerZip(const httplib::Request& req, httplib::Response& res, const json& uris,
                 std::vector<hub::TaggedItem> items) const {
    const bool descending = Descending(req);
    if (descending) std::reverse(items.begin(), items.end());
    std::vector<hub::ZipEntry> entries;
    size_t total = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      Result<Record> record = ctx_->store->Get(items[i].channel, items[i].item.location);
      if (!record.ok()) continue;  // trimmed or cut since the list was made
      total += record->data.size();
      if (total > ctx_->options.max_body_bytes) {
        return Fail(res, 413,
                    "the items are more than " + std::to_string(ctx_->options.max_body_bytes) +
                        " bytes, too many for one zip archive; ask for fewer (a smaller N or "
                        "period), or read them as multipart with bulk=true");
      }
      std::string name = uris[i].get<std::string>();
      name = name.substr(name.find("/channel/") + 9);
      name = name.substr(0, name.find('?'));
      entries.push_back({std::move(name), std::move(record->data)});
    }
    Result<std::string> zip = hub::ZipArchive(entries);
    if (!zip.ok()) return Fail(res, zip.status());
    res.set_content(std::move(zip).value(), "application/zip");
  }

  // ?order=descending: the Hub takes any value that starts with "d".
  static bool Descending(const httplib::Request& req) {
    return req.get_param_value("order").rfind('d', 0) == 0;
  }

  static std::string StableHint(const httplib::Request& req) {
    return req.get_param_value("stable") == "false"
               ? std::string()
               : " (items newer than the stable window are shown with ?stable=false)";
  }

  // The item URLs of a list, ascending, or descending with ?order=d...
  // (the Hub takes any value that starts with "d"). In tag context each
  // carries ?tag=, so that its next and previous stay in the union.
  json Uris(const httplib::Request& req, const Scope& scope,
            const std::vector<hub::TaggedItem>& items) const {
    json uris = json::array();
    const std::string suffix = scope.tag.empty() ? "" : "?tag=" + scope.tag;
    for (const hub::TaggedItem& t : items) uris.push_back(ItemUrlIn(scope, t) + suffix);
    if (Descending(req)) std::reverse(uris.begin(), uris.end());
    return uris;
  }

  void RedirectToOne(const httplib::Request& req, httplib::Response& res, const Scope& scope,
                     const Result<std::vector<hub::TaggedItem>>& items,
                     const std::string& what) const {
    if (!items.ok()) return Fail(res, items.status());
    if (items->empty()) {
      return Fail(res, 404,
                  scope.what + " has no " + what.substr(0, 20) + " item" + StableHint(req));
    }
    res.status = 303;
    res.set_header("Location", ItemUrlIn(scope, items->front()) + scope.query);
  }

  // The Hub's directional answer: `next` from the last key and `previous`
  // from the first, or only the link back the way it came when empty.
  void AnswerDirectional(const httplib::Request& req, httplib::Response& res, const Scope& scope,
                         const std::vector<hub::TaggedItem>& items, size_t n,
                         const hub::ContentKey& from, bool next) const {
    const std::string count = std::to_string(n) + scope.query;
    ordered links;
    links["self"] = Href(BaseUrl(req) + req.path + QueryOf(req));
    const std::string from_url = scope.url + "/" + from.ToPath();
    if (!items.empty()) {
      links["next"] = Href(ItemUrlIn(scope, items.back()) + "/next/" + count);
      links["previous"] = Href(ItemUrlIn(scope, items.front()) + "/previous/" + count);
    } else if (next) {
      links["previous"] = Href(from_url + "/previous/" + count);
    } else {
      links["next"] = Href(from_url + "/next/" + count);
    }
    AnswerList(req, res, scope, items, std::move(links));
  }

  void Item(const httplib::Request& req, httplib::Response& res, const std::string& name,
            const std::string& topic, const hub::TimePath& path) {
    const hub::ContentKey key{path.start_ms, *path.hash};
    Result<Record> record = hub::GetItem(*ctx_->store, topic, key);
    if (!record.ok()) return Fail(res, record.status());
    if (!Admits(req.get_header_value("Accept"), record->content_type)) {
      return Fail(
          res, 406,
          "the item is " + record->content_type + ", which the Accept header does not admit");
    }
    ++counters_.items_served;
    ++ctx_->metrics.served_documents;
    const std::string url = ItemUrl(req, name, key);
    // A key's time: the append time, or a historical item's own time.
    res.set_header("Creation-Date", hub::FormatIso8601Millis(key.time_ms));
    res.set_header("Link", "<" + url + "/previous>;rel=\"previous\"");
    res.set_header("Link", "<" + url + "/next>;rel=\"next\"");
    res.set_header("X-Item-Length", std::to_string(record->data.size()));
    res.set_content(std::move(record->data), record->content_type);
  }

  // Day, hour, minute and second queries.
  void Period(const httplib::Request& req, httplib::Response& res, const Scope& scope,
              const hub::TimePath& path, int64_t visible) {
    const int64_t end = path.end_ms();
    bool truncated = false;
    Store& store = *ctx_->store;
    Result<std::vector<hub::TaggedItem>> items = Query(
        scope,
        [&](const std::string& topic) -> Result<std::vector<hub::ItemRef>> {
          Result<hub::TimeRangeResult> range =
              hub::TimeRange(store, topic, path.start_ms, end, visible, kMaxTimeQueryItems);
          if (!range.ok()) return range.status();
          truncated = range->truncated;
          return std::move(range->items);
        },
        [&](const std::vector<std::string>& channels) -> Result<std::vector<hub::TaggedItem>> {
          Result<hub::TagRangeResult> range =
              hub::TagTimeRange(store, channels, path.start_ms, end, visible, kMaxTimeQueryItems);
          if (!range.ok()) return range.status();
          truncated = range->truncated;
          return std::move(range->items);
        });
    if (!items.ok()) return Fail(res, items.status());
    if (truncated) {
      return Fail(res, 413,
                  "the period holds more than " + std::to_string(kMaxTimeQueryItems) +
                      " items; ask for a shorter one, or page with next/N");
    }
    const int64_t length = end - path.start_ms;
    auto period_url = [&](int64_t start) {
      return scope.url + "/" + hub::PeriodPath(start, path.unit) + QueryOf(req);
    };
    ordered links;
    links["self"] = Href(BaseUrl(req) + req.path + QueryOf(req));
    // The next period is linked once this one is over: before the stable
    // time, or before now with stable=false.
    if (end <= std::min(visible, NowMs())) links["next"] = Href(period_url(path.start_ms + length));
    links["previous"] = Href(period_url(path.start_ms - length));
    AnswerList(req, res, scope, *items, std::move(links));
  }

  // /time: the Hub's template document; /time/second|minute|hour|day: 303
  // to the period that holds the stable time (now with ?stable=false).
  void Time(const httplib::Request& req, httplib::Response& res, const std::string& scope_url,
            const std::vector<std::string>& segs) const {
    static constexpr std::pair<const char*, hub::TimeUnit> kUnits[] = {
        {"second", hub::TimeUnit::kSecond},
        {"minute", hub::TimeUnit::kMinute},
        {"hour", hub::TimeUnit::kHour},
        {"day", hub::TimeUnit::kDay}};
    static constexpr const char* kTemplates[] = {
        "{year}/{month}/{day}/{hour}/{minute}/{second}{?stable}",
        "{year}/{month}/{day}/{hour}/{minute}{?stable}", "{year}/{month}/{day}/{hour}{?stable}",
        "{year}/{month}/{day}{?stable}"};
    const int64_t now = NowMs();
    const int64_t visible = std::min(VisibleUntil(*ctx_, req), now);
    const std::string& channel_url = scope_url;
    if (segs.size() == 2) {
      for (const auto& [unit_name, unit] : kUnits) {
        if (segs[1] != unit_name) continue;
        res.status = 303;
        res.set_header("Location",
                       channel_url + "/" + hub::PeriodPath(visible, unit) + QueryOf(req));
        return;
      }
      return Fail(res, 404,
                  "no such endpoint: GET " + req.path.substr(0, 200) +
                      " (use /time/second, /time/minute, /time/hour or /time/day)");
    }
    ordered links;
    links["self"] = Href(channel_url + "/time");
    for (size_t i = 0; i < std::size(kUnits); ++i) {
      links[kUnits[i].first] = {
          {"href", channel_url + "/" + hub::PeriodPath(visible, kUnits[i].second) + QueryOf(req)},
          {"template", channel_url + "/" + kTemplates[i]},
          {"redirect", channel_url + "/time/" + kUnits[i].first}};
    }
    auto instant = [](int64_t ms) {
      return ordered{{"iso8601", hub::FormatIso8601Millis(ms)}, {"millis", ms}};
    };
    ordered body;
    body["_links"] = std::move(links);
    body["now"] = instant(now);
    body["stable"] = instant(std::min(VisibleUntil(*ctx_, req), now));
    res.set_content(body.dump(), kJson);
  }

  void ChannelStatus(const httplib::Request& req, httplib::Response& res, const std::string& name,
                     const std::string& topic) {
    const int64_t visible = VisibleUntil(*ctx_, req);
    ordered links;
    links["self"] = Href(ChannelUrl(req, name) + "/status");
    for (bool latest : {true, false}) {
      const char* which = latest ? "latest" : "earliest";
      Result<std::vector<hub::ItemRef>> items =
          latest ? hub::Latest(*ctx_->store, topic, 1, visible)
                 : hub::Earliest(*ctx_->store, topic, 1, visible);
      if (!items.ok()) return Fail(res, items.status());
      if (items->empty()) {
        links[which] = {{"href", ChannelUrl(req, name) + "/" + which},
                        {"message", "channel is empty"}};
      } else {
        links[which] = Href(ItemUrl(req, name, items->front().key()));
      }
    }
    res.set_content(ordered{{"_links", links}}.dump(), kJson);
  }

  RouteContext* ctx_ = nullptr;
  HubCounters counters_;
};

}  // namespace

std::unique_ptr<RouteFamily> NewHubRoutes() { return std::make_unique<HubRoutes>(); }

}  // namespace pdfs::http
