"""Every file in shared/media, in the pipeline shape that fits it.

Shapes follow shared/media/README.md ("Other input pipelines" and the pcap
pipelines): a demuxer with one branch per track, the codec's parser, and the
caps kvssink's pad receives. A/V files send both tracks through
``kvssink name=s ... ! s.`` request pads.
"""
from mediautil import Branch, Case

AVC = "video/x-h264,stream-format=avc,alignment=au"
BYTE_STREAM_264 = "video/x-h264,stream-format=byte-stream,alignment=au"
HVC1 = "video/x-h265,stream-format=hvc1,alignment=au"
BYTE_STREAM_265 = "video/x-h265,stream-format=byte-stream,alignment=au"
AAC_RAW = "audio/mpeg,mpegversion=4,stream-format=raw"


def qt_h264(pad="d.video_0"):
    return Branch("h264", f"{pad} ! h264parse ! {AVC}")


def qt_h265(pad="d.video_0"):
    return Branch("h265", f"{pad} ! h265parse ! {HVC1}")


def qt_aac(pad="d.audio_0"):
    return Branch("aac", f"{pad} ! aacparse ! {AAC_RAW}")


QTDEMUX = "filesrc location={path} ! qtdemux name=d"
FLVDEMUX = "filesrc location={path} ! flvdemux name=d"
TSDEMUX = "filesrc location={path} ! tsdemux name=d"
# pcapparse stamps buffers with their capture time (DTS only) and starts
# the segment there, so running time starts at 0 (README: ts-offset=-1).
PCAP_VIDEO = ("filesrc location={path} ! pcapparse ! "
              "application/x-rtp,media=video,clock-rate=90000,"
              "encoding-name=H264,payload=96 ! rtph264depay name=d")
PCAP_AUDIO = ("filesrc location={path} ! pcapparse ! "
              "application/x-rtp,media=audio,clock-rate=8000,"
              "encoding-name=PCMA,payload=8 ! rtppcmadepay name=d")

# Files longer than replay-duration (40 s) go up in offline mode (with a
# file-start-time in the past, set by roundtrip.case_props), as we advise
# for files: a file pushed faster than real time would otherwise span more
# than the replay window before its first PutMedia session starts
# (test_media_upload.py checks real-time mode loses nothing even then).
OFFLINE = {"streaming_type": "offline"}

CASES = [
    # B-frames; the edit list starts the presentation at 10 s (segment
    # time), the media's own PTS at 66 ms (segment start).
    Case("bbb-editlist", "bbb_h264_high_2b_editlist_800x640.mp4", QTDEMUX,
         [qt_h264()]),
    Case("bbb-bpyramid", "bbb_h264_high_bpyramid_800x640.mp4", QTDEMUX,
         [qt_h264()]),
    Case("bbb-av", "bbb_h264_high_nob_aac_1280x720_10s.mp4", QTDEMUX,
         [qt_h264(), qt_aac()]),
    # 6 minutes: offline (see OFFLINE); the file-start-time in the past also
    # keeps every producer timestamp out of the future (kvslocal refuses
    # > 5 min ahead, ERROR 4007).
    Case("black-6min", "black_h264_cbp_aac_1080p_6min.mp4", QTDEMUX,
         [qt_h264(), qt_aac()], OFFLINE),
    Case("camera-bframes", "camera_h264_high_bframes_aac_1080x720.mp4",
         QTDEMUX, [qt_h264(), qt_aac()]),
    # avcC lengthSizeMinusOne = 1: straight from qtdemux, so the 2-byte
    # length prefixes reach kvssink unchanged (h264parse would keep them
    # too, but this way nothing else can touch them).
    Case("camera-2byte-nal",
         "camera_h264_high_bframes_aac_2byte_nal_length.mp4", QTDEMUX,
         [Branch("h264", f"d.video_0 ! {AVC}"), qt_aac()]),
    Case("camera-nob", "camera_h264_high_nob_aac_1080x720.mp4", QTDEMUX,
         [qt_h264(), qt_aac()]),
    Case("cartoon-flv", "cartoon_h264_high_bframes_aac_388x300.flv",
         FLVDEMUX, [qt_h264("d.video"), qt_aac("d.audio")]),
    Case("cartoon-ts-h265", "cartoon_h265_main_bframes_aac_388x300.ts",
         TSDEMUX,
         [Branch("h265", f"d. ! h265parse ! {HVC1}"),
          Branch("aac", f"d. ! aacparse ! {AAC_RAW}")]),
    # G.711 A-law in 320-byte FLV tags; truncated inside its last video tag
    # (flvdemux drops the partial tag: 60 video frames, not 61).
    Case("ipcam-flv-alaw", "ipcam_h264_main_1280x720_g711a.flv", FLVDEMUX,
         [qt_h264("d.video"),
          Branch("alaw", "d.audio ! audio/x-alaw")]),
    Case("adts-aac", "kvs_aac_lc_48k_stereo.adts",
         "filesrc location={path} ! aacparse name=d",
         [Branch("aac", f"d. ! {AAC_RAW}")]),
    # wavparse gives 4096-byte (512 ms) buffers.
    Case("wav-alaw", "kvs_g711a_8k_mono.wav",
         "filesrc location={path} ! wavparse name=d",
         [Branch("alaw", "d. ! audio/x-alaw")]),
    # 20 ms frames as the SDK sample sends them (README: bit-exact).
    Case("wav-alaw-20ms", "kvs_g711a_8k_mono.wav",
         "filesrc location={path} ! wavparse name=d",
         [Branch("alaw", "d. ! alawdec ! audiobuffersplit "
                         "output-buffer-duration=1/50 ! alawenc ! "
                         "audio/x-alaw")]),
    # No mu-law file exists: made from the WAV with mulawenc.
    Case("wav-mulaw", "kvs_g711a_8k_mono.wav",
         "filesrc location={path} ! wavparse name=d",
         [Branch("mulaw", "d. ! alawdec ! audiobuffersplit "
                          "output-buffer-duration=1/50 ! mulawenc ! "
                          "audio/x-mulaw")]),
    # Annex-B with DTS only (h264parse gives PTS none): both as avc (the
    # parser converts) and as byte-stream (kvssink re-frames it and builds
    # CodecPrivate from the in-band SPS/PPS).
    Case("annexb-h264-avc", "kvs_h264_high_640x480_25fps_nob.h264",
         "filesrc location={path} ! h264parse name=d",
         [Branch("h264", f"d. ! {AVC}")]),
    Case("annexb-h264-bytestream", "kvs_h264_high_640x480_25fps_nob.h264",
         "filesrc location={path} ! h264parse name=d",
         [Branch("h264", f"d. ! {BYTE_STREAM_264}")]),
    Case("annexb-h265-hvc1", "kvs_h265_main_640x360_25fps_nob.h265",
         "filesrc location={path} ! h265parse name=d",
         [Branch("h265", f"d. ! {HVC1}")]),
    Case("annexb-h265-bytestream", "kvs_h265_main_640x360_25fps_nob.h265",
         "filesrc location={path} ! h265parse name=d",
         [Branch("h265", f"d. ! {BYTE_STREAM_265}")]),
    Case("phone-4k60", "phone_h264_high_4k60_aac_rot90.mp4", QTDEMUX,
         [qt_h264(), qt_aac()]),
    # Open GOP (CRA + RASL), Main10, negative start via an edit list.
    Case("iphone-hevc-opengop",
         "phone_iphone_h265_main10_bframes_opengop_aac.mp4", QTDEMUX,
         [qt_h265(), qt_aac()]),
    # The same video alone: RASL pictures keep their exact PTS.
    Case("iphone-hevc-opengop-video",
         "phone_iphone_h265_main10_bframes_opengop_aac.mp4", QTDEMUX,
         [qt_h265()]),
    Case("pixel7", "phone_pixel7_h264_high_1080p_rot180.mp4", QTDEMUX,
         [qt_h264()]),
    # Two video tracks; a KVS stream carries one video track (kvssink: one
    # video plus up to two audio). The main track is video_0: the motion
    # video itself (1024x768, 57 frames, what a player shows); video_1 is a
    # single 2048x1536 still. test_motion_photo_still_to_second_stream
    # sends the still to its own stream.
    Case("pixel-motionphoto", "phone_pixel_h265_2tracks_motionphoto.mp4",
         QTDEMUX, [qt_h265("d.video_0")]),
    Case("rtp-voip-alaw", "rtp_voip_g711a_8k.pcap", PCAP_AUDIO,
         [Branch("alaw", "d. ! audio/x-alaw")], OFFLINE),
    # h264parse marks the recovery-point SEI frames (every 150 frames,
    # <= 8.3 s apart) as key frames: fragments start there.
    Case("rtp-webcam-vfr", "rtp_webcam_h264_cbp_640x480_vfr.pcap",
         PCAP_VIDEO, [Branch("h264", f"d. ! h264parse ! {AVC}")], OFFLINE),
    # The depayloader alone marks only the 2 IDRs as key frames: no key
    # frame for 89 s, so kvssink must cut fragments without one.
    Case("rtp-webcam-idr-only", "rtp_webcam_h264_cbp_640x480_vfr.pcap",
         PCAP_VIDEO, [Branch("h264", f"d. ! {AVC}")], OFFLINE),
]

BY_NAME = {c.name: c for c in CASES}
