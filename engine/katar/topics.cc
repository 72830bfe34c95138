// Katar topic administration.
#include "pdfs/katar/topics.h"

#include <set>
#include <string>

#include "pdfs/topic_name.h"
#include "pdfs/topics/settings.h"

namespace pdfs::katar {

namespace {

Result<TopicView> ViewOfTopic(Store& store, std::string_view topic,
                              const topics::TopicSettings& settings) {
  Result<KatarConfig> config = ViewOf(settings);
  if (!config.ok()) return config.status();
  Result<TopicMeta> meta = store.Stat(topic);
  if (!meta.ok()) return meta.status();
  return TopicView{std::string(topic), *config, SerializeKatarConfig(*config, store.options()),
                   *meta};
}

Result<TopicView> ChangeConfig(Store& store, std::string_view topic, std::string_view body,
                               ConfigMode mode) {
  Status s = ValidateTopicName(topic);
  if (!s.ok()) return s;
  Result<topics::LoadedSettings> updated =
      topics::UpdateTopicSettings(store, topic, [&](topics::TopicSettings* settings) {
        return ApplyConfigBody(body, mode, store.options(), settings);
      });
  if (!updated.ok()) return updated.status();
  return ViewOfTopic(store, topic, updated->settings);
}

std::string Candidate(std::string_view name, uint64_t n) {
  return std::string(name) + "__" + std::to_string(n);
}

}  // namespace

std::vector<std::string> ListTopics(Store& store) {
  std::vector<std::string> names;
  for (const TopicMeta& meta : store.ListTopics()) {
    if (!meta.system()) names.push_back(meta.topic);
  }
  return names;
}

Result<TopicView> GetTopic(Store& store, std::string_view topic) {
  Status s = ValidateTopicName(topic);
  if (!s.ok()) return s;
  Result<topics::LoadedSettings> loaded = topics::LoadTopicSettings(store, topic);
  if (!loaded.ok()) return loaded.status();
  return ViewOfTopic(store, topic, loaded->settings);
}

Result<CreatedTopic> CreateTopic(Store& store, std::string_view name,
                                 std::string_view config_body) {
  Status s = ValidateTopicName(name);
  if (!s.ok()) return s;
  topics::TopicSettings settings;
  s = ApplyConfigBody(config_body, ConfigMode::kReplace, store.options(), &settings);
  if (!s.ok()) return s;
  const std::string document = topics::SerializeTopicSettings(settings);

  // One listing finds the first free name without a store call per taken
  // one; a name taken since (AlreadyExists) just moves on to the next.
  std::set<std::string, std::less<>> taken;
  for (const TopicMeta& meta : store.ListTopics()) taken.insert(meta.topic);
  std::string candidate(name);
  uint64_t n = 0;
  bool renamed = false;
  for (;;) {
    if (!taken.contains(candidate)) {
      Result<TopicMeta> created = store.CreateTopic(candidate, document);
      if (created.ok()) break;
      if (!created.status().IsAlreadyExists()) return created.status();
    }
    candidate = Candidate(name, n++);
    renamed = true;
    if (candidate.size() > kMaxTopicNameBytes) {
      return Status::InvalidArgument(
          "topic \"" + std::string(name) + "\" exists and its next free name, \"" + candidate +
          "\", would be longer than " + std::to_string(kMaxTopicNameBytes) + " bytes");
    }
  }
  Result<TopicView> view = ViewOfTopic(store, candidate, settings);
  if (!view.ok()) return view.status();
  return CreatedTopic{std::move(view).value(), renamed};
}

Result<TopicView> ReplaceTopicConfig(Store& store, std::string_view topic,
                                     std::string_view config_body) {
  return ChangeConfig(store, topic, config_body, ConfigMode::kReplace);
}

Result<TopicView> PatchTopicConfig(Store& store, std::string_view topic,
                                   std::string_view config_body) {
  return ChangeConfig(store, topic, config_body, ConfigMode::kPatch);
}

Status DeleteTopic(Store& store, std::string_view topic) {
  Status s = ValidateTopicName(topic);
  if (!s.ok()) return s;
  return store.DeleteTopic(topic);
}

}  // namespace pdfs::katar
