#include "tests/element/kvssink_harness.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace kvs_test {
namespace {

constexpr GstClockTime kHangGuard = 60 * GST_SECOND;

std::string SourceDir() {
  const char* dir = std::getenv("KVS_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

size_t AppendToString(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// kvslocal dies with the test process, even if the test is killed.
void DieWithParent(gpointer) { prctl(PR_SET_PDEATHSIG, SIGTERM); }

}  // namespace

KvsLocalProcess::KvsLocalProcess() {
  std::string script = SourceDir() + "/emulator/kvslocal";
  const char* argv[] = {"/usr/bin/python3", script.c_str(), "--port", "0",
                        nullptr};
  gint out_fd = -1;
  GError* error = nullptr;
  // Its log goes to /dev/null, not the test's stderr: a kvslocal that
  // outlived a killed test would keep the caller's pipe open.
  auto flags = static_cast<GSpawnFlags>(G_SPAWN_DO_NOT_REAP_CHILD |
                                        G_SPAWN_STDERR_TO_DEV_NULL);
  if (!g_spawn_async_with_pipes(nullptr, const_cast<char**>(argv), nullptr,
                                flags, &DieWithParent, nullptr, &pid_, nullptr,
                                &out_fd, nullptr, &error)) {
    ADD_FAILURE() << "cannot start kvslocal: " << error->message;
    g_error_free(error);
    return;
  }
  // The one ready line: "kvslocal listening on http://127.0.0.1:PORT".
  std::string line;
  char c;
  while (read(out_fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out_fd);
  const std::string prefix = "kvslocal listening on ";
  if (line.rfind(prefix, 0) != 0) {
    ADD_FAILURE() << "kvslocal did not start: '" << line << "'";
    return;
  }
  url_ = line.substr(prefix.size());
}

KvsLocalProcess::~KvsLocalProcess() {
  if (pid_ == 0) return;
  kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
  g_spawn_close_pid(pid_);
}

JsonNode* KvsLocalProcess::Get(const std::string& path) const {
  CURL* easy = curl_easy_init();
  std::string body;
  std::string url = url_ + "/_kvslocal" + path;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT, 30L);
  CURLcode rc = curl_easy_perform(easy);
  curl_easy_cleanup(easy);
  if (rc != CURLE_OK) return nullptr;
  JsonParser* parser = json_parser_new();
  JsonNode* root = nullptr;
  if (json_parser_load_from_data(parser, body.data(),
                                 static_cast<gssize>(body.size()), nullptr)) {
    root = json_node_copy(json_parser_get_root(parser));
  }
  g_object_unref(parser);
  return root;
}

int KvsLocalProcess::Fragments(const std::string& stream) const {
  JsonNode* root = Get("/streams/" + stream + "/fragments");
  if (root == nullptr || !JSON_NODE_HOLDS_OBJECT(root)) {
    if (root != nullptr) json_node_unref(root);
    return -1;
  }
  JsonObject* object = json_node_get_object(root);
  int n = json_object_has_member(object, "fragments")
              ? static_cast<int>(json_array_get_length(
                    json_object_get_array_member(object, "fragments")))
              : -1;
  json_node_unref(root);
  return n;
}

int KvsLocalProcess::FramesOnTrack(const std::string& stream, int track) const {
  JsonNode* root = Get("/streams/" + stream + "/fragments");
  if (root == nullptr || !JSON_NODE_HOLDS_OBJECT(root)) {
    if (root != nullptr) json_node_unref(root);
    return -1;
  }
  JsonObject* object = json_node_get_object(root);
  int total = -1;
  if (json_object_has_member(object, "fragments")) {
    total = 0;
    JsonArray* fragments = json_object_get_array_member(object, "fragments");
    std::string key = std::to_string(track);
    for (guint i = 0; i < json_array_get_length(fragments); ++i) {
      JsonObject* counts = json_object_get_object_member(
          json_array_get_object_element(fragments, i), "frame_counts");
      if (counts != nullptr && json_object_has_member(counts, key.c_str())) {
        total +=
            static_cast<int>(json_object_get_int_member(counts, key.c_str()));
      }
    }
  }
  json_node_unref(root);
  return total;
}

std::vector<GstBuffer*> H264AccessUnits(size_t count) {
  const char* shared = std::getenv("KVS_SHARED_DIR");
  std::string path = std::string(shared != nullptr ? shared : "../shared") +
                     "/media/kvs_h264_high_640x480_25fps_nob.h264";
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
  EXPECT_GT(bytes.size(), 1000u) << "cannot read " << path;
  std::vector<size_t> starts;  // Offsets of each AUD start code.
  for (size_t i = 0; i + 4 < bytes.size(); ++i) {
    if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 0 &&
        bytes[i + 3] == 1 && bytes[i + 4] == 0x09) {
      starts.push_back(i);
    }
  }
  starts.push_back(bytes.size());
  std::vector<GstBuffer*> out;
  for (size_t i = 0; i < count && i + 1 < starts.size(); ++i) {
    size_t size = starts[i + 1] - starts[i];
    GstBuffer* buffer = gst_buffer_new_memdup(bytes.data() + starts[i], size);
    GST_BUFFER_PTS(buffer) = GST_BUFFER_DTS(buffer) = i * 40 * GST_MSECOND;
    GST_BUFFER_DURATION(buffer) = 40 * GST_MSECOND;
    if (i % 45 != 0) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    out.push_back(buffer);
  }
  return out;
}

GstCaps* H264ByteStreamCaps() {
  return gst_caps_from_string(
      "video/x-h264, stream-format=byte-stream, alignment=au, width=640, "
      "height=480, framerate=25/1");
}

GstMessage* PopMessage(GstBus* bus, GstMessageType types) {
  return gst_bus_timed_pop_filtered(bus, kHangGuard, types);
}

}  // namespace kvs_test
