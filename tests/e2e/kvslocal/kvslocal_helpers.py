"""Helpers shared by the kvslocal tests (uploads, ACK checks, decoders, polling)."""
import time

import gi
import pytest
from botocore.exceptions import ClientError

import mkvbuild
from kvslocal_fixture import ebml_vint, split_mkv_chunks
from putmedia_client import PutMediaClient, run

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    err = info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err


def wait_for(predicate, timeout=15.0):
    """Polls ``predicate`` until true (state transitions driven by kvslocal's clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


async def upload(kvs, stream, body_parts, chunk_sizes=None, **client_args):
    """Sends each part, then ends the body; returns every ACK received."""
    client = PutMediaClient(kvs, stream=stream, **client_args)
    await client.open()
    for part in body_parts:
        await client.send(part, chunk_sizes)
    await client.end()
    acks = await client.all_acks()
    client.close()
    return acks


def error_acks(acks):
    return [a for a in acks if a["EventType"] == "ERROR"]


def assert_error_then_end(acks, error_id, timecode=None):
    """Exactly one ERROR, last in the response (KVS ends the connection after it)."""
    errors = error_acks(acks)
    assert len(errors) == 1, acks
    assert acks[-1] is errors[0]
    assert errors[0]["ErrorId"] == error_id
    if timecode is not None:
        assert errors[0]["FragmentTimecode"] == timecode
        assert errors[0]["FragmentNumber"].isdigit()


def gst_decoded_frames(path):
    """Frames decoded by filesrc ! matroskademux ! h264parse ! avdec_h264."""
    pipeline = Gst.parse_launch(
        f"filesrc location={path} ! matroskademux ! h264parse ! avdec_h264 ! "
        "appsink name=sink sync=false emit-signals=true")
    count = [0]

    def on_sample(sink):
        sink.emit("pull-sample")
        count[0] += 1
        return Gst.FlowReturn.OK
    pipeline.get_by_name("sink").connect("new-sample", on_sample)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    assert msg is not None and msg.type == Gst.MessageType.EOS, \
        msg.parse_error() if msg is not None else "timeout"
    return count[0]


def whole_second_t0():
    """Producer start (ms) on a whole second: botocore sends whole-second timestamps."""
    return (int(time.time()) - 600) * 1000


def chunk_numbers(payload):
    """Fragment number of each chunk (the AWS_KINESISVIDEO_FRAGMENT_NUMBER tag)."""
    numbers = []
    for chunk in split_mkv_chunks(payload):
        marker = b"AWS_KINESISVIDEO_FRAGMENT_NUMBER"
        at = chunk.index(marker) + len(marker)
        # TagString follows: ID 0x4487, a size vint, then the digits.
        at = chunk.index(b"\x44\x87", at) + 2
        size = chunk[at] & 0x7F
        numbers.append(chunk[at + 1:at + 1 + size].decode())
    return numbers


def upload_gops(kvs, stream, h264, count, t0, first=0, tracks=None, cpd=True):
    async def go():
        client = PutMediaClient(kvs, stream=stream)
        await client.open()
        track = tracks or [mkvbuild.Track(1, codec_private=h264.codec_private if cpd else b"")]
        await client.send(mkvbuild.session_header(track))
        for i in range(first, first + count):
            await client.send(mkvbuild.fragment(t0 + i * 1800, h264.gops()[i]))
        await client.end()
        acks = await client.all_acks()
        client.close()
        return acks
    return run(go())


def now_ms() -> int:
    return int(time.time() * 1000)


def create_stream(kvs, name="cam", retention=2, **extra):
    """Creates a stream with botocore and returns its ARN."""
    client = kvs.boto_client("kinesisvideo")
    return client.create_stream(StreamName=name, DataRetentionInHours=retention,
                                MediaType="video/h264", **extra)["StreamARN"]


def raw_request(kvs, path, body=b"{}", method="POST", sign=True, headers=None, **sign_args):
    """Sends raw bytes to kvslocal, SigV4-signed like botocore unless ``sign`` is
    False; returns (status, headers with lower-case names, body bytes)."""
    import urllib.error
    import urllib.request
    from putmedia_client import sign_headers
    url = f"{kvs.url}{path}"
    sent = {"host": f"127.0.0.1:{kvs.port}", "content-type": "application/json",
            **(headers or {})}
    if sign:
        sent = sign_headers(method, url, sent, body,
                            sign_args.pop("access_key", kvs.access_key),
                            sign_args.pop("secret_key", kvs.secret_key), kvs.region,
                            **sign_args)
    request = urllib.request.Request(url, data=body if method != "GET" else None,
                                     method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def _ebml_children(data, start=0, end=None):
    """(id, payload) of each element in data[start:end] (sizes must be known)."""
    pos, end = start, len(data) if end is None else end
    while pos < end:
        eid, n = ebml_vint(data, pos, True)
        size, m = ebml_vint(data, pos + n, False)
        body = pos + n + m
        yield eid, data[body:body + size]
        pos = body + size


def chunk_tags(chunk):
    """The SimpleTags of one GetMedia / GetMediaForFragmentList chunk, as two
    lists of (TagName, TagString): the Tags before the Cluster and after it.
    An independent little EBML walk (not kvslocal's reader)."""
    eid, n = ebml_vint(chunk, 0, True)
    size, m = ebml_vint(chunk, n, False)
    pos = n + m + size                                   # skip the EBML header
    eid, n = ebml_vint(chunk, pos, True)
    assert eid == 0x18538067, hex(eid)                   # Segment
    size, m = ebml_vint(chunk, pos + n, False)
    before, after, seen_cluster = [], [], False
    for child, body in _ebml_children(chunk, pos + n + m):
        if child == 0x1F43B675:
            seen_cluster = True
        if child != 0x1254C367:
            continue
        for tag_id, tag in _ebml_children(body):
            for simple_id, simple in _ebml_children(tag):
                if simple_id != 0x67C8:
                    continue
                fields = dict(_ebml_children(simple))
                pair = (fields.get(0x45A3, b"").decode(), fields.get(0x4487, b"").decode())
                (after if seen_cluster else before).append(pair)
    return before, after


def tag_seconds(ms):
    """Epoch ms as the timestamp tags carry it: seconds with 3 decimals."""
    return f"{ms // 1000}.{ms % 1000:03d}"
