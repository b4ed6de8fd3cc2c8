// GstHarness tests of the kvssink element against a fresh kvslocal.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gst/gstkvssink.h"
#include "tests/element/kvssink_harness.h"

namespace {

using kvs_test::H264AccessUnits;
using kvs_test::H264ByteStreamCaps;
using kvs_test::KvsLocalProcess;
using kvs_test::PopMessage;

constexpr char kAccessKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

class KvsSinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    GST_ELEMENT_REGISTER(kvssink, nullptr);
  }

  void TearDown() override {
    for (GstHarness* h : harnesses_) gst_harness_teardown(h);
    if (bus_ != nullptr) gst_object_unref(bus_);
  }

  GstElement* MakeSink(const std::string& stream) {
    GstElement* sink = gst_element_factory_make("kvssink", nullptr);
    g_object_set(sink, "stream-name", stream.c_str(), "endpoint-uri",
                 kvs_.url().c_str(), "access-key", kAccessKey, "secret-key",
                 kSecretKey, "stop-stream-timeout", 30u, nullptr);
    bus_ = gst_bus_new();
    gst_element_set_bus(sink, bus_);
    return sink;
  }

  // A harness on a requested pad of `sink` (the first owns the element).
  GstHarness* Harness(GstElement* sink, const char* pad) {
    GstHarness* h = harnesses_.empty()
                        ? gst_harness_new_with_element(sink, pad, nullptr)
                        : gst_harness_new_with_element(sink, pad, nullptr);
    harnesses_.push_back(h);
    return h;
  }

  void PushVideo(GstHarness* h, size_t count, GstClockTime offset = 0) {
    for (GstBuffer* b : H264AccessUnits(count)) {
      GST_BUFFER_PTS(b) += offset;
      GST_BUFFER_DTS(b) += offset;
      ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
    }
  }

  // Waits for EOS (or an ERROR, which fails the test).
  void ExpectEos() {
    GstMessage* msg = PopMessage(
        bus_, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    ASSERT_NE(msg, nullptr) << "no EOS within the hang guard";
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      GError* err;
      gst_message_parse_error(msg, &err, nullptr);
      ADD_FAILURE() << "error instead of EOS: " << err->message;
      g_error_free(err);
    }
    gst_message_unref(msg);
  }

  KvsLocalProcess kvs_;
  GstBus* bus_ = nullptr;
  std::vector<GstHarness*> harnesses_;
};

TEST_F(KvsSinkTest, RequestPadsAreNamedPerKindOneVideoAtMostThree) {
  GstElement* sink = MakeSink("pads");
  GstPad* v0 = gst_element_request_pad_simple(sink, "video_%u");
  GstPad* a0 = gst_element_request_pad_simple(sink, "audio_%u");
  // One video track per stream (a second camera needs its own stream).
  EXPECT_EQ(gst_element_request_pad_simple(sink, "video_%u"), nullptr);
  GstPad* a1 = gst_element_request_pad_simple(sink, "audio_%u");
  ASSERT_NE(v0, nullptr);
  ASSERT_NE(a1, nullptr);
  EXPECT_STREQ(GST_PAD_NAME(v0), "video_0");
  EXPECT_STREQ(GST_PAD_NAME(a0), "audio_0");
  EXPECT_STREQ(GST_PAD_NAME(a1), "audio_1");
  EXPECT_EQ(gst_element_request_pad_simple(sink, "video_%u"), nullptr);
  for (GstPad* p : {v0, a0, a1}) {
    gst_element_release_request_pad(sink, p);
    gst_object_unref(p);
  }
  EXPECT_EQ(sink->numsinkpads, 0);
  gst_object_unref(sink);
}

TEST_F(KvsSinkTest, TemplatesOfferWhatKvsssinkPackages) {
  GstElement* sink = MakeSink("caps");
  GstPad* video = gst_element_request_pad_simple(sink, "video_%u");
  GstPad* audio = gst_element_request_pad_simple(sink, "audio_%u");
  GstCaps* vcaps = gst_pad_query_caps(video, nullptr);
  GstCaps* acaps = gst_pad_query_caps(audio, nullptr);
  for (const char* ok : {"video/x-h264,stream-format=avc,alignment=au",
                         "video/x-h264,stream-format=avc3,alignment=au",
                         "video/x-h264,stream-format=byte-stream,alignment=au",
                         "video/x-h265,stream-format=hvc1,alignment=au",
                         "video/x-h265,stream-format=hev1,alignment=au"}) {
    GstCaps* c = gst_caps_from_string(ok);
    EXPECT_TRUE(gst_caps_can_intersect(vcaps, c)) << ok;
    gst_caps_unref(c);
  }
  for (const char* no : {"video/x-h264,stream-format=avc,alignment=nal",
                         "video/x-raw", "audio/mpeg,mpegversion=4"}) {
    GstCaps* c = gst_caps_from_string(no);
    EXPECT_FALSE(gst_caps_is_subset(c, vcaps)) << no;
    gst_caps_unref(c);
  }
  for (const char* ok :
       {"audio/mpeg,mpegversion=4,stream-format=raw,rate=48000,channels=2",
        "audio/x-alaw,rate=8000,channels=1",
        "audio/x-mulaw,rate=16000,channels=2"}) {
    GstCaps* c = gst_caps_from_string(ok);
    EXPECT_TRUE(gst_caps_is_subset(c, acaps)) << ok;
    gst_caps_unref(c);
  }
  gst_caps_unref(vcaps);
  gst_caps_unref(acaps);
  for (GstPad* p : {video, audio}) {
    gst_element_release_request_pad(sink, p);
    gst_object_unref(p);
  }
  gst_object_unref(sink);
}

TEST_F(KvsSinkTest, UnpackageableCapsFailNamingTheParser) {
  GstHarness* h = Harness(MakeSink("nal"), "video_%u");
  gst_harness_play(h);
  gst_harness_set_src_caps_str(
      h, "video/x-h264, stream-format=byte-stream, alignment=nal");
  GstMessage* msg = PopMessage(bus_, GST_MESSAGE_ERROR);
  ASSERT_NE(msg, nullptr);
  GError* err;
  gst_message_parse_error(msg, &err, nullptr);
  EXPECT_NE(std::string(err->message).find("h264parse"), std::string::npos)
      << err->message;
  g_error_free(err);
  gst_message_unref(msg);
}

// Upstream's names, types and defaults (upstream-kvssink.md A.2).
TEST_F(KvsSinkTest, PropertiesHaveUpstreamDefaults) {
  GstElement* sink = gst_element_factory_make("kvssink", nullptr);
  const std::map<std::string, guint> uints = {
      {"storage-size", 128},     {"fragment-duration", 2000},
      {"retention-period", 2},   {"buffer-duration", 120},
      {"replay-duration", 40},   {"connection-staleness", 60},
      {"max-latency", 60},       {"stop-stream-timeout", 120},
      {"connection-timeout", 5}, {"completion-timeout", 10},
      {"framerate", 25},         {"avg-bandwidth-bps", 4194304},
      {"timecode-scale", 1},     {"rotation-period", 3600}};
  for (const auto& u : uints) {
    guint value = 0;
    g_object_get(sink, u.first.c_str(), &value, nullptr);
    EXPECT_EQ(value, u.second) << u.first;
  }
  const std::map<std::string, bool> bools = {
      {"key-frame-fragmentation", true},  {"frame-timecodes", true},
      {"absolute-fragment-times", true},  {"fragment-acks", true},
      {"restart-on-error", true},         {"recalculate-metrics", true},
      {"allow-create-stream", true},      {"use-original-pts", false},
      {"disable-buffer-clipping", false}, {"get-kvs-metrics", false}};
  for (const auto& b : bools) {
    gboolean value = FALSE;
    g_object_get(sink, b.first.c_str(), &value, nullptr);
    EXPECT_EQ(static_cast<bool>(value), b.second) << b.first;
  }
  gchar *name, *codec, *track, *type;
  g_object_get(sink, "stream-name", &name, "codec-id", &codec, "track-name",
               &track, "content-type", &type, nullptr);
  EXPECT_STREQ(name, "DEFAULT_STREAM");
  EXPECT_STREQ(codec, "V_MPEG4/ISO/AVC");
  EXPECT_STREQ(track, "kinesis_video");
  EXPECT_STREQ(type, "video/h264");
  g_free(name);
  g_free(codec);
  g_free(track);
  g_free(type);
  gint streaming_type, frame_timestamp;
  g_object_get(sink, "streaming-type", &streaming_type, "frame-timestamp",
               &frame_timestamp, nullptr);
  EXPECT_EQ(streaming_type, 0);   // realtime
  EXPECT_EQ(frame_timestamp, 2);  // default-timestamp
  gst_object_unref(sink);
}

// Every property: set a non-default value, read it back; secrets are
// write-only; every blurb states a unit or a meaning.
TEST_F(KvsSinkTest, EveryPropertySetsAndGets) {
  GstElement* sink = gst_element_factory_make("kvssink", nullptr);
  guint n = 0;
  GParamSpec** specs =
      g_object_class_list_properties(G_OBJECT_GET_CLASS(sink), &n);
  int checked = 0;
  for (guint i = 0; i < n; ++i) {
    GParamSpec* p = specs[i];
    if (p->owner_type != G_OBJECT_TYPE(sink)) continue;
    std::string name = p->name;
    EXPECT_GT(strlen(g_param_spec_get_blurb(p)), 15u) << name;
    bool readable = p->flags & G_PARAM_READABLE;
    bool writable = p->flags & G_PARAM_WRITABLE;
    if (name == "secret-key" || name == "session-token") {
      EXPECT_TRUE(writable && !readable) << name << " must be write-only";
      continue;
    }
    if (!writable) continue;  // stats
    GValue value = G_VALUE_INIT, back = G_VALUE_INIT;
    g_value_init(&value, p->value_type);
    g_value_init(&back, p->value_type);
    if (G_IS_PARAM_SPEC_UINT(p)) {
      auto* u = G_PARAM_SPEC_UINT(p);
      g_value_set_uint(&value, u->default_value < u->maximum
                                   ? u->default_value + 1
                                   : u->default_value);
    } else if (G_IS_PARAM_SPEC_UINT64(p)) {
      g_value_set_uint64(&value, 1234567);
    } else if (G_IS_PARAM_SPEC_BOOLEAN(p)) {
      g_value_set_boolean(&value, !G_PARAM_SPEC_BOOLEAN(p)->default_value);
    } else if (G_IS_PARAM_SPEC_STRING(p)) {
      g_value_set_string(&value, "test-value");
    } else if (G_IS_PARAM_SPEC_ENUM(p)) {
      g_value_set_enum(&value, 1);
    } else if (p->value_type == GST_TYPE_STRUCTURE) {
      GstStructure* s =
          gst_structure_new("x", "k", G_TYPE_STRING, "v", nullptr);
      g_value_take_boxed(&value, s);
    } else {
      ADD_FAILURE() << "untested property type of " << name;
      continue;
    }
    g_object_set_property(G_OBJECT(sink), name.c_str(), &value);
    g_object_get_property(G_OBJECT(sink), name.c_str(), &back);
    EXPECT_EQ(gst_value_compare(&value, &back), GST_VALUE_EQUAL) << name;
    g_value_unset(&value);
    g_value_unset(&back);
    ++checked;
  }
  g_free(specs);
  EXPECT_GE(checked, 45);
  gst_object_unref(sink);
}

TEST_F(KvsSinkTest, StreamsAndEndsWithExactlyOneEos) {
  GstHarness* h = Harness(MakeSink("one"), "video_%u");
  gst_harness_play(h);
  gst_harness_set_src_caps(h, H264ByteStreamCaps());
  PushVideo(h, 90);  // Two GOPs.
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));
  ExpectEos();
  EXPECT_EQ(kvs_.Fragments("one"), 2);
  // No second EOS follows.
  GstMessage* again = gst_bus_pop_filtered(bus_, GST_MESSAGE_EOS);
  EXPECT_EQ(again, nullptr);
}

TEST_F(KvsSinkTest, MultiPadEosWaitsForEveryPad) {
  GstElement* sink = MakeSink("av");
  GstHarness* video = Harness(sink, "video_%u");
  GstHarness* audio = Harness(sink, "audio_%u");
  gst_harness_play(video);
  gst_harness_set_src_caps(video, H264ByteStreamCaps());
  gst_harness_set_src_caps_str(audio,
                               "audio/x-alaw, rate=(int)8000, channels=(int)1");
  PushVideo(video, 50);
  ASSERT_TRUE(gst_harness_push_event(video, gst_event_new_eos()));
  // Audio still flows after video's EOS (the stream is not finished).
  for (int i = 0; i < 100; ++i) {
    GstBuffer* b = gst_buffer_new_allocate(nullptr, 160, nullptr);
    gst_buffer_memset(b, 0, 0xd5, 160);
    GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = i * 20 * GST_MSECOND;
    GST_BUFFER_DURATION(b) = 20 * GST_MSECOND;
    ASSERT_EQ(gst_harness_push(audio, b), GST_FLOW_OK) << i;
  }
  EXPECT_EQ(gst_bus_pop_filtered(bus_, GST_MESSAGE_EOS), nullptr);
  ASSERT_TRUE(gst_harness_push_event(audio, gst_event_new_eos()));
  ExpectEos();
  // The stream outlived the video's EOS: every frame of both pads stored.
  EXPECT_EQ(kvs_.FramesOnTrack("av", 1), 50);
  EXPECT_EQ(kvs_.FramesOnTrack("av", 2), 100);
}

TEST_F(KvsSinkTest, EveryEventTypeIsHandled) {
  GstHarness* h = Harness(MakeSink("events"), "video_%u");
  gst_harness_play(h);
  gst_harness_set_src_caps(h, H264ByteStreamCaps());  // stream-start, caps
  GstTagList* tags = gst_tag_list_new(GST_TAG_TITLE, "t", nullptr);
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_tag(tags)));
  EXPECT_TRUE(gst_harness_push_event(
      h, gst_event_new_custom(
             GST_EVENT_CUSTOM_DOWNSTREAM,
             gst_structure_new("kvs-add-metadata", "name", G_TYPE_STRING,
                               "camera", "value", G_TYPE_STRING, "door",
                               "persist", G_TYPE_BOOLEAN, TRUE, nullptr))));
  EXPECT_TRUE(gst_harness_push_event(
      h, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM,
                              gst_structure_new_empty("something-else"))));
  PushVideo(h, 45);
  EXPECT_TRUE(gst_harness_push_event(
      h, gst_event_new_gap(10 * GST_SECOND, GST_SECOND)));
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_start()));
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&segment)));
  PushVideo(h, 45, 2 * GST_SECOND);  // The session survived the flush.
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));
  ExpectEos();
  JsonNode* root = kvs_.Get("/streams/events/fragments");
  ASSERT_NE(root, nullptr);
  JsonArray* fragments =
      json_object_get_array_member(json_node_get_object(root), "fragments");
  ASSERT_EQ(json_array_get_length(fragments), 2u);
  for (guint i = 0; i < 2; ++i) {  // The persistent tag is on both.
    JsonObject* f = json_array_get_object_element(fragments, i);
    JsonObject* t = json_object_get_object_member(f, "tags");
    EXPECT_STREQ(json_object_get_string_member(t, "camera"), "door");
  }
  json_node_unref(root);
}

TEST_F(KvsSinkTest, RestartsCleanly) {
  GstElement* sink = MakeSink("restart");
  GstHarness* h = Harness(sink, "video_%u");
  for (int cycle = 0; cycle < 3; ++cycle) {
    gst_harness_play(h);
    // A restarted source starts a new stream (NULL cleared the pad's
    // sticky events).
    ASSERT_TRUE(gst_harness_push_event(
        h, gst_event_new_stream_start(
               ("restart-" + std::to_string(cycle)).c_str())));
    gst_harness_set_src_caps(h, H264ByteStreamCaps());
    PushVideo(h, 45, cycle * 2 * GST_SECOND);
    ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));
    ExpectEos();
    ASSERT_EQ(gst_element_set_state(sink, GST_STATE_NULL),
              GST_STATE_CHANGE_SUCCESS);
  }
  EXPECT_EQ(kvs_.Fragments("restart"), 3);
}

}  // namespace
