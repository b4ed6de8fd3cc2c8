"""--tls (verified HTTPS), --data-dir (survives restarts) and --discard."""
import ssl
import time
import urllib.error
import urllib.request

import pytest

from kvslocal_fixture import split_mkv_chunks
from kvslocal_helpers import create_stream, gst_decoded_frames
import mkvbuild
from putmedia_client import PutMediaClient, run


def upload(kvs, stream, h264, count, t0, first=0):
    async def go():
        client = PutMediaClient(kvs, stream=stream)
        await client.open()
        await client.send(mkvbuild.session_header([h264.track()]))
        for i in range(first, first + count):
            await client.send(mkvbuild.fragment(t0 + i * 1800, h264.gops()[i]))
        await client.end()
        acks = await client.all_acks()
        client.close()
        return acks
    return run(go())


def test_tls_with_generated_ca(kvs_factory, h264, tmp_path):
    kvs = kvs_factory("--tls", "--tls-dir", str(tmp_path / "tls"))
    assert kvs.url.startswith("https://127.0.0.1:")
    ca = kvs.ca_file()
    assert ca == str(tmp_path / "tls" / "ca.pem")
    assert kvs.admin("GET", "/health")["ca_file"] == ca
    # The AWS CLI verifies the server against the CA (AWS_CA_BUNDLE), no --no-verify-ssl.
    kvs.aws_cli("kinesisvideo", "create-stream", "--stream-name", "cam",
                "--data-retention-in-hours", "1")
    endpoint = kvs.boto_client().get_data_endpoint(StreamName="cam", APIName="PUT_MEDIA")
    assert endpoint["DataEndpoint"] == kvs.url
    t0 = int(time.time() * 1000) - 60_000
    acks = upload(kvs, "cam", h264, 2, t0)
    assert [a["EventType"] for a in acks].count("PERSISTED") == 2
    # Without the CA the certificate is not trusted.
    with pytest.raises(urllib.error.URLError) as info:
        urllib.request.urlopen(f"{kvs.url}/_kvslocal/health", timeout=10,
                               context=ssl.create_default_context())
    assert isinstance(info.value.reason, ssl.SSLCertVerificationError)


def test_data_dir_survives_a_restart(kvs_factory, h264, tmp_path):
    data_dir = str(tmp_path / "data")
    kvs = kvs_factory("--data-dir", data_dir)
    arn = create_stream(kvs, "cam", Tags={"site": "lab"})
    t0 = (int(time.time()) - 600) * 1000
    upload(kvs, "cam", h264, 2, t0)
    before = kvs.fragments("cam")
    kvs.stop()

    again = kvs_factory("--data-dir", data_dir)
    client = again.boto_client()
    info = client.describe_stream(StreamName="cam")["StreamInfo"]
    assert info["StreamARN"] == arn and info["DataRetentionInHours"] == 2
    assert client.list_tags_for_stream(StreamName="cam")["Tags"] == {"site": "lab"}
    assert again.fragments("cam") == before
    archived = again.boto_client("kinesis-video-archived-media")
    listed = archived.list_fragments(StreamName="cam")["Fragments"]
    numbers = sorted(f["FragmentNumber"] for f in listed)
    assert numbers == [f["fragment_number"] for f in before]
    payload = archived.get_media_for_fragment_list(StreamName="cam",
                                                   Fragments=numbers)["Payload"].read()
    chunks = split_mkv_chunks(payload)
    assert len(chunks) == 2
    for i, chunk in enumerate(chunks):
        path = tmp_path / f"c{i}.mkv"
        path.write_bytes(chunk)
        assert gst_decoded_frames(path) == 45
    # New uploads continue the numbering and the session count.
    upload(again, "cam", h264, 1, t0, first=2)
    after = again.fragments("cam")
    assert int(after[-1]["fragment_number"]) > int(numbers[-1])
    assert after[-1]["session"] == before[-1]["session"] + 1


def test_discard_mode_acks_but_keeps_no_media(kvs_factory, h264):
    kvs = kvs_factory("--discard")
    create_stream(kvs, "cam")
    t0 = (int(time.time()) - 600) * 1000
    acks = upload(kvs, "cam", h264, 3, t0)
    assert [a["EventType"] for a in acks].count("PERSISTED") == 3
    fragments = kvs.fragments("cam")
    assert [f["frame_counts"] for f in fragments] == [{"1": 45}] * 3
    archived = kvs.boto_client("kinesis-video-archived-media")
    numbers = [f["fragment_number"] for f in fragments]
    payload = archived.get_media_for_fragment_list(StreamName="cam",
                                                   Fragments=numbers)["Payload"].read()
    assert payload.count(b"AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE") == 3
    assert b"\x1f\x43\xb6\x75" not in payload        # no Cluster kept
    # Framing is still validated.
    bad = run(_raw_upload(kvs, b"not mkv"))
    assert bad[-1]["EventType"] == "ERROR" and bad[-1]["ErrorId"] == 4006


async def _raw_upload(kvs, body):
    client = PutMediaClient(kvs, stream="cam")
    await client.open()
    await client.send(body)
    await client.end()
    acks = await client.all_acks()
    client.close()
    return acks
