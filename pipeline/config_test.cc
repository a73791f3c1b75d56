#include "pipeline/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace strait::pipeline {
namespace {

TEST(ConfigTest, EmptyFileGivesDefaults) {
  Result<Config> c = ParseConfig("", "empty.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->rtmp_listen, "0.0.0.0:1935");
  EXPECT_EQ(c->http_listen, "0.0.0.0:8080");
  EXPECT_EQ(c->srt_listen, "0.0.0.0:9000");
  EXPECT_EQ(c->srt.latency_ms, 120);
  EXPECT_DOUBLE_EQ(c->hls.segment_duration_s, 2.0);
  EXPECT_EQ(c->hls.window_segments, 10);
  EXPECT_EQ(c->hls.variants, "ll-cmaf");
  EXPECT_TRUE(c->streams.empty());
}

TEST(ConfigTest, ParsesEveryKey) {
  Result<Config> c = ParseConfig(R"(
server:
  rtmp_listen: 127.0.0.1:19350
  http_listen: "[::1]:8081"
  data_dir: /tmp/x
  io_threads: 3
  srt_listen: 127.0.0.1:9001
srt:
  latency_ms: 400
  passphrase: server-wide-secret
  pbkeylen: 32
  payload_size: 1316
  overhead_percent: 30
  connect_timeout_ms: 2000
hls:
  segment_duration: 4
  window: 5
  write_to_disk: true
log:
  level: debug
  format: json
streams:
  - name: shop1
    key: sk_9f2c1e
  - name: shop-2
    key: sk_another
    passphrase: shop2-own-secret
)",
                                 "full.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->rtmp_listen, "127.0.0.1:19350");
  EXPECT_EQ(c->http_listen, "[::1]:8081");
  EXPECT_EQ(c->data_dir, "/tmp/x");
  EXPECT_EQ(c->io_threads, 3);
  EXPECT_DOUBLE_EQ(c->hls.segment_duration_s, 4.0);
  EXPECT_EQ(c->hls.window_segments, 5);
  EXPECT_TRUE(c->hls.write_to_disk);
  EXPECT_EQ(c->log.format, "json");
  ASSERT_EQ(c->streams.size(), 2u);
  EXPECT_EQ(c->streams[1].name, "shop-2");
  EXPECT_EQ(c->streams[1].key, "sk_another");
  EXPECT_EQ(c->streams[1].passphrase, "shop2-own-secret");
  EXPECT_EQ(c->srt_listen, "127.0.0.1:9001");
  EXPECT_EQ(c->srt.latency_ms, 400);
  EXPECT_EQ(c->srt.passphrase, "server-wide-secret");
  EXPECT_EQ(c->srt.pbkeylen, 32);
  EXPECT_EQ(c->srt.overhead_percent, 30);
  EXPECT_EQ(c->srt.connect_timeout_ms, 2000);
}

// Each bad file is rejected with the file name, the line, and a message naming the problem.
struct BadCase {
  const char* yaml;
  const char* expect;  // substring of the error
};

TEST(ConfigTest, RejectsBadInputWithFileLineAndReason) {
  const BadCase cases[] = {
      {"server:\n  rtmp_lisen: 1\n", "bad.yaml:2:3: unknown key 'rtmp_lisen' in server"},
      {"hls:\n  window: lots\n", "bad.yaml:2:11: hls.window must be an integer"},
      {"hls:\n  window: 1\n", "hls.window must be between 3 and 100, got 1"},
      {"hls:\n  segment_duration: 0\n", "hls.segment_duration must be between 0.5 and 30"},
      {"server:\n  http_listen: 8080\n", "server.http_listen: '8080' is not HOST:PORT"},
      {"server:\n  http_listen: 0.0.0.0:99999\n", "port must be 0-65535"},
      {"streams:\n  - name: a\n    key: sk_aaaaaa\n  - name: a\n    key: sk_bbbbbb\n",
       "bad.yaml:4:11: duplicate stream name 'a'"},
      {"streams:\n  - name: a\n    key: sk_aaaaaa\n  - name: b\n    key: sk_aaaaaa\n",
       "reuses another stream's key"},
      {"streams:\n  - name: a/b\n    key: sk_aaaaaa\n", "stream name 'a/b' must be"},
      {"streams:\n  - name: a\n", "stream is missing 'key'"},
      {"streams:\n  - name: a\n    key: abc\n", "stream key of 'a' must be 6-128"},
      {"streams: {}\n", "streams must be a list"},
      {"log:\n  format: xml\n", "log.format must be text or json"},
      {"hls:\n  write_to_disk: maybe\n", "hls.write_to_disk must be true or false"},
      {"hls:\n  variants: dash\n", "hls.variants must be ll-cmaf, ts or both, got 'dash'"},
      {"hls:\n  part_target: 1.5\n", "hls.part_target must be between 0.1 and 1"},
      {"hls:\n  segment_duration: 0.5\n", "hls.part_target must be at most half"},
      {"hls:\n  reconnect_grace: -1\n", "hls.reconnect_grace must be between 0 and 600"},
      {"streams:\n  - name: a\n    key: sk_aaaaaa\n    hls: mp4\n", "stream hls must be"},
      {"transcode:\n  slate: /nonexistent/slate.png\n", "transcode.slate: no such file"},
      {"transcode:\n  opus: sometimes\n", "transcode.opus must be true or false"},
      {"server:\n  http_max_connections: 2\n", "server.http_max_connections must be between"},
      {"server: [\n", "bad.yaml:2:1:"},
      {"api:\n  token: short\n", "api.token must be at least 16 characters"},
      {"api:\n  token: \"has spaces in the middle!\"\n", "api.token must be printable ASCII"},
      {"api:\n  secret: x\n", "unknown key 'secret' in api"},
      {"api:\n  card_render: rung\n", "api.card_render must be source or per_rendition"},
      {"colour: red\n", "unknown key 'colour' in the top level"},
      // A repeated key was accepted, the first one winning without a word.
      {"server:\n  http_listen: 0.0.0.0:1111\n  http_listen: 0.0.0.0:2222\n",
       "bad.yaml:3:3: 'http_listen' appears twice in server"},
      {"server: {}\nserver: {}\n", "bad.yaml:2:1: 'server' appears twice in the top level"},
      // `serve` binds an address: a name passed check-config, then failed at start.
      {"server:\n  http_listen: localhost:8080\n",
       "bad.yaml:2:16: server.http_listen: 'localhost:8080': the host must be an IP address"},
      {"srt:\n  pbkeylen: 20\n", "srt.pbkeylen must be 16, 24 or 32"},
      {"srt:\n  payload_size: 1000\n", "srt.payload_size must be a multiple of 188"},
      {"srt:\n  passphrase: short\n", "srt.passphrase must be 10-79 characters"},
      {"srt:\n  latency: 100\n", "unknown key 'latency' in srt"},
      {"streams:\n  - name: a\n    key: sk_aaaaaa\n    passphrase: x\n",
       "bad.yaml:4:17: passphrase of 'a' must be 10-79 characters"},
      {"publish:\n  - url: http://127.0.0.1:27081/dup\n  - url: http://127.0.0.1:27081/dup/\n",
       "bad.yaml:3:10: publish[1].url is the same target as publish[0].url "
       "(http://127.0.0.1:27081/dup/): every object would be uploaded twice"},
      {"publish:\n  - url: \"http://h/we\\\"ird/\"\n", "bad.yaml:2:10: publish[0].url holds '\"'"},
      {"publish:\n  - url: 'http://h/we\\ird/'\n", "publish[0].url holds '\\'"},
      {"publish:\n  - url: \"http://h/pa\\nth/\"\n", "publish[0].url holds a space, a line break"},
      {"publish:\n  - url: http://h/a b/\n", "publish[0].url holds a space"},
      {"publish:\n  - url: ftp://h/\n", "publish[0].url must start with http:// or https://"},
      {"publish:\n  - url: http:///live/\n", "publish[0].url has no host"},
      {"publish:\n  - url: http://h/\n  - url: http://h:99999/\n",
       "bad.yaml:3:10: publish[1].url is not a valid URL"},
      {"publish:\n  - timeout_ms: 100\n", "publish[0] is missing 'url'"},
      {"publish:\n  - url: http://h/\n    method: POST\n", "unknown key 'method' in publish[0]"},
      {"publish:\n  - url: http://h/\n    connections: 0\n",
       "publish[0].connections must be between 1 and 16"},
      {"publish:\n  - url: https://h/\n    ca_file: /nonexistent/ca.pem\n",
       "publish[0].ca_file: no such file '/nonexistent/ca.pem'"},
  };
  for (const auto& c : cases) {
    Result<Config> r = ParseConfig(c.yaml, "bad.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos)
        << "yaml:\n"
        << c.yaml << "\nerror: " << r.error().message();
  }
}

TEST(ConfigTest, ParsesWebhooksWithAllEventsByDefault) {
  Result<Config> c = ParseConfig(R"(
webhooks:
  - url: https://hooks.example.com/strait
    secret: "whsec_0123456789abcdef"
    timeout_ms: 2500
    retries: 2
  - url: http://10.0.0.7:9000/notify
    events: [publish_ended, card_shown]
)",
                                 "hooks.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_EQ(c->webhooks.size(), 2u);
  EXPECT_EQ(c->webhooks[0].url, "https://hooks.example.com/strait");
  EXPECT_EQ(c->webhooks[0].events, kWebhookEventTypes);
  EXPECT_EQ(c->webhooks[0].secret, "whsec_0123456789abcdef");
  EXPECT_EQ(c->webhooks[0].timeout_ms, 2500);
  EXPECT_EQ(c->webhooks[0].retries, 2);
  EXPECT_EQ(c->webhooks[1].events, (std::vector<std::string>{"publish_ended", "card_shown"}));
  EXPECT_EQ(c->webhooks[1].secret, "");
  EXPECT_EQ(c->webhooks[1].timeout_ms, 5000);
  EXPECT_EQ(c->webhooks[1].retries, 4);
}

TEST(ConfigTest, RejectsBadWebhooksNamingTheKey) {
  const BadCase cases[] = {
      {"webhooks:\n  - url: ftp://h.example/\n",
       "bad.yaml:2:10: webhooks[0].url must be an http:// or https:// URL with a host"},
      {"webhooks:\n  - url: https:///x\n", "webhooks[0].url must be an http:// or https://"},
      {"webhooks:\n  - events: [card_shown]\n", "bad.yaml:2:5: webhooks[0] is missing 'url'"},
      {"webhooks:\n  - url: http://a.example/\n  - url: http://b.example/\n    events: "
       "[publish_started, stream_died]\n",
       "bad.yaml:4:31: webhooks[1].events: unknown event type 'stream_died' (expected one of: "
       "publish_started, publish_ended, card_shown, card_hidden)"},
      {"webhooks:\n  - url: http://a.example/\n    events: []\n",
       "webhooks[0].events must be a non-empty list of event types"},
      {"webhooks:\n  - url: http://a.example/\n    events: card_shown\n",
       "webhooks[0].events must be a non-empty list"},
      {"webhooks:\n  - url: http://a.example/\n    events: [card_shown, card_shown]\n",
       "webhooks[0].events lists 'card_shown' twice"},
      {"webhooks:\n  - url: http://a.example/\n    secret: short\n",
       "bad.yaml:3:13: webhooks[0].secret must be at least 16 characters"},
      {"webhooks:\n  - url: http://a.example/\n    timeout_ms: 5\n",
       "webhooks[0].timeout_ms must be between 100 and 60000, got 5"},
      {"webhooks:\n  - url: http://a.example/\n    retries: many\n",
       "webhooks[0].retries must be an integer"},
      {"webhooks:\n  - url: http://a.example/\n    retry: 3\n",
       "unknown key 'retry' in webhooks[0]"},
      {"webhooks:\n  url: http://a.example/\n", "webhooks must be a list of targets"},
  };
  for (const auto& c : cases) {
    Result<Config> r = ParseConfig(c.yaml, "bad.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos)
        << "yaml:\n"
        << c.yaml << "\nerror: " << r.error().message();
  }
}

TEST(ConfigTest, ParsesPublishTargets) {
  Result<Config> c = ParseConfig(
      "publish:\n"
      "  - url: http://ingest.example/live/?token=abc\n"
      "  - url: https://user:s3cret@cdn.example/in/\n"
      "    timeout_ms: 2000\n"
      "    retries: 2\n"
      "    connections: 3\n"
      "    ca_file: " STRAIT_SOURCE_DIR "/README.md\n",
      "p.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_EQ(c->publish.size(), 2u);
  EXPECT_EQ(c->publish[0].url, "http://ingest.example/live/?token=abc");
  EXPECT_EQ(c->publish[0].connections, 6);
  EXPECT_EQ(c->publish[1].url, "https://user:s3cret@cdn.example/in/");
  EXPECT_EQ(c->publish[1].timeout_ms, 2000);
  EXPECT_EQ(c->publish[1].retries, 2);
  EXPECT_EQ(c->publish[1].connections, 3);
  EXPECT_EQ(c->publish[1].ca_file, STRAIT_SOURCE_DIR "/README.md");
}

// A URL's password never shows in an error, even when the URL is what is wrong.
TEST(ConfigTest, PublishErrorsDoNotShowThePassword) {
  for (const char* yaml : {"publish:\n  - url: http://u:s3cret@h:99999/\n",
                           "publish:\n  - url: \"http://u:s3cret@h/a\\\"b/\"\n",
                           "publish:\n  - url: http://u:s3cret@h/x\n  - url: http://h/x/\n"}) {
    Result<Config> c = ParseConfig(yaml, "bad.yaml");
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_NE(c.error().message().find("publish["), std::string::npos) << c.error().message();
    EXPECT_EQ(c.error().message().find("s3cret"), std::string::npos) << c.error().message();
  }
}

TEST(ConfigTest, ExampleConfigInRepoIsValid) {
  Result<Config> c = LoadConfigFile(std::string(STRAIT_SOURCE_DIR) + "/configs/strait.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_FALSE(c->streams.empty());
}

TEST(ConfigTest, DemoKeyIsGeneratedOnceAndKept) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("strait-cfg-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Config a = DefaultConfig();
  a.data_dir = dir.string();
  ASSERT_TRUE(EnsureDemoStream(a).ok());
  ASSERT_EQ(a.streams.size(), 1u);
  EXPECT_EQ(a.streams[0].name, "demo");
  EXPECT_EQ(a.streams[0].key.rfind("sk_", 0), 0u);
  EXPECT_GE(a.streams[0].key.size(), 20u);
  Config b = DefaultConfig();
  b.data_dir = dir.string();
  ASSERT_TRUE(EnsureDemoStream(b).ok());
  EXPECT_EQ(a.streams[0].key, b.streams[0].key);
  EXPECT_EQ(
      std::filesystem::status(dir / "demo.key").permissions() & std::filesystem::perms::others_read,
      std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

TEST(ConfigTest, MissingFileIsAClearError) {
  Result<Config> c = LoadConfigFile("/nonexistent/strait.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message(), "/nonexistent/strait.yaml: cannot open config file");
}

}  // namespace
}  // namespace strait::pipeline
