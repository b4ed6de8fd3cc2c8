"""GetMedia (live and archived chunks), GetClip (MP4) and GetImages (JPEG/PNG).

GetMedia (guide L8619-8799, L11040-11101): chunks in fragment-number order
from the StartSelector on, then a live tail of new fragments; each chunk is
header + Tags{AWS_KINESISVIDEO_FRAGMENT_NUMBER, _SERVER_TIMESTAMP,
_PRODUCER_TIMESTAMP} + Cluster + Tags{AWS_KINESISVIDEO_MILLIS_BEHIND_NOW,
_CONTINUATION_TOKEN}.  At most 3 concurrent GetMedia connections per stream
(ConnectionLimitExceededException).  The continuation token is the number of
the last fragment sent.

GetClip (guide L9102-9270): an MP4 remuxed by GStreamer (matroskademux !
h264parse|h265parse ! mp4mux) from the first 200 fragments / 100 MB in the
range.  GetImages: for each sampling time, the nearest key frame at or
before it, decoded by GStreamer (avdec_h264|avdec_h265 ! jpegenc|pngenc).
"""
from __future__ import annotations

import asyncio
import base64
import logging
import os
import tempfile
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web

from . import ebml, mkv
from .archived import CHUNK_CONTENT_TYPE, chunk, error_chunk, selector_time, tag_seconds
from .control import find_stream
from .errors import KvsError, invalid_argument, not_found
from .store import Fragment, Store, StreamData

log = logging.getLogger("kvslocal.media")

MAX_GETMEDIA_CONNECTIONS = 3          # guide: 3 concurrent GetMedia connections [s]
CLIP_MAX_FRAGMENTS = 200              # guide L9102-9270
CLIP_MAX_BYTES = 100 * 1024 * 1024
MAX_RANGE_S = 24 * 3600
GST_TIMEOUT_S = 120


def _ms(value: float) -> int:
    return int(round(value * 1000))


class Media:
    """GetMedia, GetClip and GetImages over a Store."""

    def __init__(self, store: Store, region: str, idle_s: float):
        self.store = store
        self.region = region
        self.idle_s = idle_s
        self.connections: Dict[str, int] = {}

    # -- GetMedia -------------------------------------------------------------

    def _start_index(self, fragments: List[Fragment], selector: Dict[str, Any]) -> int:
        kind = selector["StartSelectorType"]
        if kind == "EARLIEST":
            return 0
        if kind == "NOW":
            return max(0, len(fragments) - 1)
        if kind in ("FRAGMENT_NUMBER", "CONTINUATION_TOKEN"):
            key = "AfterFragmentNumber" if kind == "FRAGMENT_NUMBER" else "ContinuationToken"
            after = selector.get(key)
            if after is None:
                raise invalid_argument(f"StartSelectorType {kind} requires {key}.")
            if kind == "CONTINUATION_TOKEN" and not after.isdigit():
                raise invalid_argument(f"Invalid ContinuationToken '{after}'.")
            return next((i for i, f in enumerate(fragments) if int(f.number) > int(after)),
                        len(fragments))
        start = selector.get("StartTimestamp")
        if start is None:
            raise invalid_argument(f"StartSelectorType {kind} requires StartTimestamp.")
        start_ms = _ms(start)
        for i, f in enumerate(fragments):
            begin = selector_time(f, kind)
            if begin <= start_ms < begin + max(f.duration_ms, 1) or begin >= start_ms:
                return i
        return len(fragments)

    async def get_media(self, request: web.Request, params: Dict[str, Any],
                        request_id: str) -> web.StreamResponse:
        data = find_stream(self.store, params, self.region)
        name = data.stream.name
        if self.connections.get(name, 0) >= MAX_GETMEDIA_CONNECTIONS:
            raise KvsError("ConnectionLimitExceededException",
                           f"More than {MAX_GETMEDIA_CONNECTIONS} GetMedia connections on "
                           f"stream {name}.")
        fragments = self.store.visible_fragments(data)
        index = self._start_index(fragments, params["StartSelector"])
        selector = params["StartSelector"]
        if selector["StartSelectorType"] == "FRAGMENT_NUMBER" and \
                selector["AfterFragmentNumber"] not in data.by_number:
            resp = web.Response(body=error_chunk([
                ("AWS_KINESISVIDEO_ERROR_CODE", "Requested fragment is not found"),
                ("AWS_KINESISVIDEO_ERROR_ID", "4000")]),
                headers={"Content-Type": CHUNK_CONTENT_TYPE, "x-amzn-RequestId": request_id})
            return resp
        resp = web.StreamResponse(status=200)
        resp.content_type = CHUNK_CONTENT_TYPE
        resp.headers["x-amzn-RequestId"] = request_id
        resp.enable_chunked_encoding()
        self.connections[name] = self.connections.get(name, 0) + 1
        try:
            await resp.prepare(request)
            last = fragments[index - 1].number if index > 0 else None
            pending = fragments[index:]
            while True:
                changed = data.changed
                for fragment in pending:
                    await resp.write(self._chunk(data, fragment))
                    last = fragment.number
                pending = []
                try:
                    await asyncio.wait_for(changed.wait(), self.idle_s)
                except asyncio.TimeoutError:
                    break
                if data.stream.deleted_at is not None:
                    break
                pending = [f for f in self.store.visible_fragments(data)
                           if last is None or int(f.number) > int(last)]
            await resp.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.connections[name] -= 1
        return resp

    def _chunk(self, data: StreamData, fragment: Fragment) -> bytes:
        if fragment.header is None or fragment.cluster is None:
            return error_chunk([("AWS_KINESISVIDEO_FRAGMENT_NUMBER", fragment.number),
                                ("AWS_KINESISVIDEO_ERROR_CODE", "Fragment media is not kept"),
                                ("AWS_KINESISVIDEO_ERROR_ID", "5000")])
        # How far this chunk is behind the latest one on the stream (ms).
        behind = max(0, data.fragments[-1].server_timestamp_ms - fragment.server_timestamp_ms)
        return chunk(fragment, [
            ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", fragment.number),
            ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", tag_seconds(fragment.server_timestamp_ms)),
            ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", tag_seconds(fragment.producer_timestamp_ms)),
        ], [
            ("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", str(behind)),
            ("AWS_KINESISVIDEO_CONTINUATION_TOKEN", fragment.number),
        ])

    # -- shared checks --------------------------------------------------------

    def _archived_stream(self, params: Dict[str, Any]) -> StreamData:
        data = find_stream(self.store, params, self.region)
        if data.stream.retention_hours <= 0:
            raise KvsError("NoDataRetentionException",
                           "The stream has no data retention; nothing is archived.")
        return data

    @staticmethod
    def _range(start: float, end: float) -> Tuple[int, int]:
        start_ms, end_ms = _ms(start), _ms(end)
        if end_ms <= start_ms:
            raise invalid_argument("EndTimestamp must be later than StartTimestamp.")
        if end_ms - start_ms > MAX_RANGE_S * 1000:
            raise invalid_argument("The timestamp range must not exceed 24 hours.")
        return start_ms, end_ms

    @staticmethod
    def _tracks(fragment: Fragment) -> Tuple[int, Dict[int, mkv.TrackInfo]]:
        if fragment.header is None or fragment.cluster is None:
            raise KvsError("InvalidMediaFrameException", "Fragment media is not kept (--discard).")
        scale, tracks = mkv.parse_session_header(fragment.header)
        video = tracks.get(1)
        if video is None or video.codec_id not in mkv.VIDEO_CODECS:
            raise KvsError("UnsupportedStreamMediaTypeException",
                           "Track 1 must be H.264 (V_MPEG/ISO/AVC) or H.265 (V_MPEGH/ISO/HEVC), "
                           f"not {video.codec_id if video else 'absent'}.")
        if not video.codec_private:
            raise KvsError("MissingCodecPrivateDataException",
                           "Track 1 has no codec private data.")
        audio = tracks.get(2)
        if audio is not None:
            if audio.codec_id not in ("A_AAC", "A_MS/ACM"):
                raise KvsError("UnsupportedStreamMediaTypeException",
                               f"Track 2 must be A_AAC or A_MS/ACM, not {audio.codec_id}.")
            if not audio.codec_private:
                raise KvsError("MissingCodecPrivateDataException",
                               "Track 2 has no codec private data.")
        return scale, tracks

    # -- GetClip --------------------------------------------------------------

    async def get_clip(self, request: web.Request, params: Dict[str, Any],
                       request_id: str) -> web.StreamResponse:
        data = self._archived_stream(params)
        selector = params["ClipFragmentSelector"]
        kind = selector["FragmentSelectorType"]
        start_ms, end_ms = self._range(selector["TimestampRange"]["StartTimestamp"],
                                       selector["TimestampRange"]["EndTimestamp"])
        # "If FragmentSelectorType for the request is SERVER_TIMESTAMP, this
        # value must be in the past" (botocore GetClip EndTimestamp).
        if kind == "SERVER_TIMESTAMP" and end_ms > self.store.clock() * 1000:
            raise invalid_argument("EndTimestamp must be in the past for SERVER_TIMESTAMP.")
        fragments = [f for f in self.store.visible_fragments(data)
                     if f.persisted and start_ms <= selector_time(f, kind) <= end_ms]
        if not fragments:
            raise not_found("No fragments found in the stream for the clip request.")
        scale, tracks = self._tracks(fragments[0])
        first_tracks = mkv.header_tracks_bytes(fragments[0].header)
        chosen: List[Fragment] = []
        size = 0
        for f in fragments:
            if len(chosen) >= CLIP_MAX_FRAGMENTS or size + f.size_bytes > CLIP_MAX_BYTES:
                break
            if f.header is None or mkv.header_tracks_bytes(f.header) != first_tracks:
                break
            chosen.append(f)
            size += f.size_bytes
        base = chosen[0].fragment_timecode
        body = mkv.build_header(scale, [tracks[n] for n in sorted(tracks)]) + b"".join(
            mkv.rebase_cluster(f.cluster, base) for f in chosen)
        mp4 = await remux_to_mp4(body, tracks)
        log.info("GetClip %s: %d fragments -> %d bytes of MP4", data.stream.name,
                 len(chosen), len(mp4))
        return web.Response(body=mp4, headers={"Content-Type": "video/mp4",
                                               "x-amzn-RequestId": request_id})

    # -- GetImages ------------------------------------------------------------

    async def get_images(self, request: web.Request, params: Dict[str, Any],
                         request_id: str) -> web.StreamResponse:
        import json
        data = self._archived_stream(params)
        kind = params["ImageSelectorType"]
        start_ms, end_ms = self._range(params["StartTimestamp"], params["EndTimestamp"])
        width, height = params.get("WidthPixels"), params.get("HeightPixels")
        if width is not None and height is None:
            raise KvsError("ValidationException",
                           "WidthPixels requires HeightPixels.", status=400)
        quality = 80
        config = params.get("FormatConfig") or {}
        if "JPEGQuality" in config:
            try:
                quality = int(config["JPEGQuality"])
            except ValueError:
                quality = 0
            if not 1 <= quality <= 100:
                raise invalid_argument("JPEGQuality must be an integer from 1 to 100.")
        interval = params["SamplingInterval"]
        times = list(range(start_ms, end_ms + 1, interval))
        offset = 0
        if params.get("NextToken"):
            try:
                offset = int(base64.b64decode(params["NextToken"]).decode())
            except ValueError:
                raise invalid_argument("Invalid NextToken.")
        limit = params.get("MaxResults", 100)
        page = times[offset:offset + limit]
        fragments = [f for f in self.store.visible_fragments(data) if f.persisted]
        picks: List[Optional[Tuple[Fragment, int]]] = [
            self._key_frame_at(fragments, kind, t) for t in page]
        unique = {(p[0].number, p[1]): p for p in picks if p is not None}
        wanted = [unique[k] for k in sorted(unique)]
        images = await decode_key_frames(self, wanted, params["Format"], quality, width, height)
        result = []
        for t, pick in zip(page, picks):
            item: Dict[str, Any] = {"TimeStamp": round(t / 1000, 3)}
            if pick is None:
                item["Error"] = "NO_MEDIA"
            elif images.get((pick[0].number, pick[1])) is None:
                item["Error"] = "MEDIA_ERROR"
            else:
                item["ImageContent"] = base64.b64encode(images[(pick[0].number, pick[1])]).decode()
            result.append(item)
        body: Dict[str, Any] = {"Images": result}
        if offset + limit < len(times):
            body["NextToken"] = base64.b64encode(str(offset + limit).encode()).decode()
        return web.Response(body=json.dumps(body).encode(), headers={
            "Content-Type": "application/json", "x-amzn-RequestId": request_id})

    @staticmethod
    def _key_frame_at(fragments: List[Fragment], kind: str,
                      t: int) -> Optional[Tuple[Fragment, int]]:
        """(fragment, key frame offset ms) of the nearest key frame at or before ``t``."""
        for f in reversed(fragments):
            begin = selector_time(f, kind)
            if begin <= t < begin + max(f.duration_ms, 1):
                offsets = [o for o in f.key_frame_offsets_ms if begin + o <= t]
                return (f, max(offsets)) if offsets else None
        return None


async def run_gst(pipeline: str, cwd: str) -> None:
    """Runs gst-launch-1.0; raises InvalidMediaFrameException if it fails."""
    proc = await asyncio.create_subprocess_exec(
        "gst-launch-1.0", "-q", *pipeline.split(), cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), GST_TIMEOUT_S)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise KvsError("InternalFailure", "GStreamer timed out", status=500)
    if proc.returncode != 0:
        message = (err or out).decode(errors="replace").strip()[-500:]
        log.warning("gst-launch failed: %s", message)
        raise KvsError("InvalidMediaFrameException", f"The media could not be processed: {message}")


async def remux_to_mp4(mkv_bytes: bytes, tracks: Dict[int, mkv.TrackInfo]) -> bytes:
    """MKV -> MP4 with GStreamer (video track 1, audio track 2 when present)."""
    codec = mkv.VIDEO_CODECS[tracks[1].codec_id]
    audio = tracks.get(2)
    muxer = "qtmux" if audio is not None and audio.codec_id == "A_MS/ACM" else "mp4mux"
    with tempfile.TemporaryDirectory(prefix="kvslocal-clip-") as tmp:
        with open(os.path.join(tmp, "in.mkv"), "wb") as f:
            f.write(mkv_bytes)
        pipeline = (f"filesrc location=in.mkv ! matroskademux name=d "
                    f"d.video_0 ! queue ! {codec}parse ! {muxer} name=m ! "
                    f"filesink location=out.mp4")
        if audio is not None:
            parse = "aacparse ! " if audio.codec_id == "A_AAC" else ""
            pipeline += f" d.audio_0 ! queue ! {parse}m."
        await run_gst(pipeline, tmp)
        with open(os.path.join(tmp, "out.mp4"), "rb") as f:
            return f.read()


async def decode_key_frames(media: Media, wanted: List[Tuple[Fragment, int]], fmt: str,
                            quality: int, width: Optional[int],
                            height: Optional[int]) -> Dict[Tuple[str, int], bytes]:
    """Decodes each (fragment, key frame offset) into one image, in one GStreamer run."""
    if not wanted:
        return {}
    clusters = []
    header = None
    codec = "h264"
    for i, (fragment, offset_ms) in enumerate(wanted):
        scale, tracks = media._tracks(fragment)
        codec = mkv.VIDEO_CODECS[tracks[1].codec_id]
        if header is None:
            header = mkv.build_header(scale, [tracks[1]])
        ticks = offset_ms * 1_000_000 // scale
        block = next((raw for frame, raw in mkv.iter_cluster_blocks(fragment.cluster)
                      if frame.track == 1 and frame.keyframe and
                      abs(frame.timecode - ticks) <= 1), None)
        if block is None:
            continue
        # Re-stamp the key frame at relative timecode 0 of its own cluster.
        if block[0] == mkv.SIMPLE_BLOCK:
            size_len = ebml.vint_length(block[1])
            payload = bytearray(block[1 + size_len:])
            track_len = ebml.vint_length(payload[0])
            payload[track_len:track_len + 2] = b"\x00\x00"
            block = bytes([mkv.SIMPLE_BLOCK]) + ebml.encode_size(len(payload), 8) + bytes(payload)
        clusters.append((i, mkv.make_cluster(i * 1000 * 1_000_000 // scale, block)))
    if header is None or not clusters:
        return {}
    scale_caps = f" ! videoscale ! video/x-raw,width={width},height={height}" \
        if width and height else ""
    if height and not width:
        scale_caps = f" ! videoscale ! video/x-raw,height={height},pixel-aspect-ratio=1/1"
    encoder = f"jpegenc quality={quality}" if fmt == "JPEG" else "pngenc"
    with tempfile.TemporaryDirectory(prefix="kvslocal-img-") as tmp:
        with open(os.path.join(tmp, "in.mkv"), "wb") as f:
            f.write(header + b"".join(c for _, c in clusters))
        await run_gst(f"filesrc location=in.mkv ! matroskademux ! {codec}parse ! "
                      f"avdec_{codec} ! videoconvert{scale_caps} ! {encoder} ! "
                      f"multifilesink location=img-%05d", tmp)
        images: Dict[Tuple[str, int], bytes] = {}
        for n, (i, _) in enumerate(clusters):
            path = os.path.join(tmp, f"img-{n:05d}")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    images[(wanted[i][0].number, wanted[i][1])] = f.read()
        return images

