// Loading and compare-and-set updates of a topic's settings.
#include <string>

#include "pdfs/topics/settings.h"

namespace pdfs::topics {

Result<LoadedSettings> LoadTopicSettings(Store& store, std::string_view topic) {
  Result<TopicConfig> config = store.GetTopicConfig(topic);
  if (!config.ok()) return config.status();
  Result<TopicSettings> settings = ParseTopicSettings(config->json);
  if (!settings.ok()) {
    return Status::InvalidArgument("the configuration of topic \"" + std::string(topic) +
                                   "\" is not valid settings: " + settings.status().message());
  }
  return LoadedSettings{std::move(settings).value(), config->version};
}

Result<LoadedSettings> UpdateTopicSettings(Store& store, std::string_view topic,
                                           const SettingsChange& change) {
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    Result<LoadedSettings> loaded = LoadTopicSettings(store, topic);
    if (!loaded.ok()) return loaded.status();
    TopicSettings settings = loaded->settings;
    Status s = change(&settings);
    if (!s.ok()) return s;
    s = ValidateTopicSettings(settings, &store.options());
    if (!s.ok()) return s;
    Result<TopicMeta> set =
        store.SetTopicConfig(topic, SerializeTopicSettings(settings), loaded->version);
    if (set.ok()) return LoadedSettings{std::move(settings), set->config_version};
    if (set.status().code() != Status::Code::kConflict) return set.status();
    // A concurrent writer changed the document since we read it: redo the
    // change on what it wrote.
  }
  return Status::Conflict("the settings of topic \"" + std::string(topic) + "\" changed " +
                          std::to_string(kMaxUpdateAttempts) +
                          " times while being updated; try again");
}

}  // namespace pdfs::topics
