"""Archived media: ListFragments and GetMediaForFragmentList.

Sources: guide L9942-10280 and L11283-11374; botocore
kinesis-video-archived-media model.  Timestamps in JSON are epoch seconds
(numbers), as botocore's rest-json parser expects.

GetMediaForFragmentList returns one chunk per fragment: the session's MKV
header, a Tags element with AWS_KINESISVIDEO_FRAGMENT_NUMBER,
AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP and
AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP (guide L10057-10068; values are
seconds with milliseconds, e.g. "1795262660.292", as AWS's parser library
reads them with Double.parseDouble), the producer's own metadata tags, then
the Cluster.  A fragment that cannot be returned becomes a chunk with
AWS_KINESISVIDEO_FRAGMENT_NUMBER, AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE and
AWS_KINESISVIDEO_EXCEPTION_MESSAGE.  Where the Tags sit inside a chunk is
not documented (kvs-spec.md section 1); kvslocal puts them before the Cluster.
"""
from __future__ import annotations

import base64
from typing import Any, Dict, List, Tuple

from . import ebml, mkv
from .control import find_stream
from .errors import invalid_argument
from .store import Fragment, Store, StreamData

LIST_FRAGMENTS_DEFAULT_MAX = 1000
CHUNK_CONTENT_TYPE = "video/webm"

ERROR_NOT_FOUND = 4000   # GetMedia error id "requested fragment is not found" (guide L8757)


def seconds(ms: int) -> float:
    """Epoch ms -> epoch seconds with ms precision (JSON timestamps)."""
    return round(ms / 1000.0, 3)


def tag_seconds(ms: int) -> str:
    """Epoch ms -> the seconds string used in AWS_KINESISVIDEO_*_TIMESTAMP tags."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def selector_time(fragment: Fragment, selector_type: str) -> int:
    """The fragment's timestamp (ms) for a PRODUCER_/SERVER_TIMESTAMP selector."""
    if selector_type == "PRODUCER_TIMESTAMP":
        return fragment.producer_timestamp_ms
    return fragment.server_timestamp_ms


def chunk(fragment: Fragment, pre_tags: List[Tuple[str, str]],
          post_tags: List[Tuple[str, str]] = ()) -> bytes:
    """header + Tags(pre) + Cluster [+ Tags(post)] for one stored fragment."""
    assert fragment.header is not None and fragment.cluster is not None
    out = fragment.header + mkv.build_tags(list(pre_tags) + list(fragment.tags.items()))
    out += fragment.cluster
    if post_tags:
        out += mkv.build_tags(list(post_tags))
    return out


def error_chunk(pairs: List[Tuple[str, str]]) -> bytes:
    """A chunk made of an EBML header, a Segment and a Tags element only."""
    header = ebml.element(mkv.EBML_HEADER,
                          ebml.uint_element(0x4286, 1) + ebml.uint_element(0x42F7, 1) +
                          ebml.uint_element(0x42F2, 4) + ebml.uint_element(0x42F3, 8) +
                          ebml.string_element(mkv.DOC_TYPE, "matroska") +
                          ebml.uint_element(0x4287, 2) + ebml.uint_element(0x4285, 2))
    segment = ebml.encode_id(mkv.SEGMENT) + ebml.encode_size(ebml.UNKNOWN_SIZE)
    return header + segment + mkv.build_tags(pairs)


class ArchivedMedia:
    """ListFragments and GetMediaForFragmentList over a Store."""

    def __init__(self, store: Store, region: str):
        self.store = store
        self.region = region

    def _stream(self, p: Dict[str, Any]) -> StreamData:
        return find_stream(self.store, p, self.region)

    def archived(self, data: StreamData) -> List[Fragment]:
        """Fragments that were persisted and are still within retention."""
        return [f for f in self.store.visible_fragments(data) if f.persisted]

    def list_fragments(self, p: Dict[str, Any]) -> dict:
        data = self._stream(p)
        fragments = self.archived(data)
        selector = p.get("FragmentSelector")
        if selector:
            kind = selector["FragmentSelectorType"]
            start = selector["TimestampRange"]["StartTimestamp"] * 1000
            end = selector["TimestampRange"]["EndTimestamp"] * 1000
            if start > end:
                raise invalid_argument("StartTimestamp must not be after EndTimestamp.")
            fragments = [f for f in fragments if start <= selector_time(f, kind) <= end]
        limit = p.get("MaxResults", LIST_FRAGMENTS_DEFAULT_MAX)
        token = p.get("NextToken")
        if token:
            try:
                after = base64.b64decode(token, validate=True).decode()
            except ValueError:
                raise invalid_argument("Invalid NextToken.")
            if not after.isdigit():
                raise invalid_argument("Invalid NextToken.")
            fragments = [f for f in fragments if f.number > after]
        page = fragments[:limit]
        result: dict = {"Fragments": [{
            "FragmentNumber": f.number,
            "FragmentSizeInBytes": f.size_bytes,
            "ProducerTimestamp": seconds(f.producer_timestamp_ms),
            "ServerTimestamp": seconds(f.server_timestamp_ms),
            "FragmentLengthInMilliseconds": f.duration_ms,
        } for f in page]}
        if len(fragments) > limit:
            result["NextToken"] = base64.b64encode(page[-1].number.encode()).decode()
        return result

    def get_media_for_fragment_list(self, p: Dict[str, Any]) -> bytes:
        data = self._stream(p)
        known = {f.number: f for f in self.archived(data)}
        out = bytearray()
        for number in p["Fragments"]:
            fragment = known.get(number)
            if fragment is None or fragment.cluster is None or fragment.header is None:
                out += error_chunk([
                    ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", number),
                    ("AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE", str(ERROR_NOT_FOUND)),
                    ("AWS_KINESISVIDEO_EXCEPTION_MESSAGE",
                     "Requested fragment is not found" if fragment is None
                     else "Fragment media is not kept (--discard)"),
                ])
                continue
            out += chunk(fragment, [
                ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", fragment.number),
                ("AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP", tag_seconds(fragment.server_timestamp_ms)),
                ("AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP",
                 tag_seconds(fragment.producer_timestamp_ms)),
            ])
        return bytes(out)
