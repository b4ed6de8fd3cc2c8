"""The kinesisvideo control plane: stream operations (guide L6152-8594).

Each handler takes the validated JSON parameters and returns the JSON
result, or raises KvsError.  Shapes are botocore's kinesisvideo model
(kvs-spec.md section 3).  Signalling-channel, edge and notification
operations are not emulated (server.py answers 400
UnsupportedOperationException).
"""
from __future__ import annotations

import base64
from typing import Any, Callable, Dict, Optional

from .errors import KvsError, invalid_argument, not_found
from .model import split_arn
from .store import Store, StreamData

MAX_RETENTION_HOURS = 87600        # 10 years (guide: retention 0 or >1 h, <= 10 y)
MAX_TAGS = 50                      # botocore ResourceTags max 50

NOT_FOUND_MESSAGE = "The requested stream is not found or not active."

API_NAMES = ("PUT_MEDIA", "GET_MEDIA", "LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST",
             "GET_HLS_STREAMING_SESSION_URL", "GET_DASH_STREAMING_SESSION_URL",
             "GET_CLIP", "GET_IMAGES")


def find_stream(store: Store, params: Dict[str, Any], region: str,
                allow_deleting: bool = False) -> StreamData:
    """Resolves StreamName / StreamARN (one of them is needed, both must agree)."""
    name = params.get("StreamName")
    arn = params.get("StreamARN")
    if name is None and arn is None:
        raise invalid_argument("Either StreamName or StreamARN must be specified.")
    data: Optional[StreamData] = None
    if arn is not None:
        arn_region, _ = split_arn(arn)
        data = store.by_arn(arn) if arn_region == region else None
        if data is not None and name is not None and data.stream.name != name:
            raise invalid_argument("StreamName and StreamARN refer to different streams.")
    else:
        data = store.get(name)
    if data is None or (data.stream.deleted_at is not None and not allow_deleting):
        raise not_found(NOT_FOUND_MESSAGE)
    return data


def _check_version(data: StreamData, version: Optional[str]) -> None:
    if version is not None and version != data.stream.version:
        raise KvsError("VersionMismatchException",
                       f"The stream version {version} does not match the current version "
                       f"{data.stream.version}.")


def _require_active(store: Store, data: StreamData) -> None:
    status = data.stream.status(store.clock())
    if status != "ACTIVE":
        raise KvsError("ResourceInUseException",
                       f"The stream {data.stream.name} is in the {status} state.")


def _check_tags(tags: Dict[str, str]) -> None:
    for key in tags:
        if key.lower().startswith("aws:"):
            raise invalid_argument(f"Tag key '{key}' uses the reserved prefix 'aws:'.")


class ControlPlane:
    """Stream operations bound to a Store and the service's own base URL."""

    def __init__(self, store: Store, region: str, endpoint: Callable[[], str]):
        self.store = store
        self.region = region
        self.endpoint = endpoint
        self.handlers = {
            "CreateStream": self.create_stream,
            "DescribeStream": self.describe_stream,
            "ListStreams": self.list_streams,
            "DeleteStream": self.delete_stream,
            "UpdateStream": self.update_stream,
            "UpdateDataRetention": self.update_data_retention,
            "TagStream": self.tag_stream,
            "UntagStream": self.untag_stream,
            "ListTagsForStream": self.list_tags_for_stream,
            "GetDataEndpoint": self.get_data_endpoint,
        }

    def create_stream(self, p: Dict[str, Any]) -> dict:
        name = p["StreamName"]
        if self.store.get(name) is not None:
            raise KvsError("ResourceInUseException", f"The stream {name} already exists.")
        retention = p.get("DataRetentionInHours", 0)
        if retention > MAX_RETENTION_HOURS:
            raise invalid_argument(
                f"DataRetentionInHours {retention} exceeds the maximum of {MAX_RETENTION_HOURS}.")
        tags = p.get("Tags") or {}
        if len(tags) > MAX_TAGS:
            raise KvsError("TagsPerResourceExceededLimitException",
                           f"A stream can have at most {MAX_TAGS} tags.")
        _check_tags(tags)
        data = self.store.create(name, p.get("DeviceName"), p.get("MediaType"),
                                 p.get("KmsKeyId"), retention, tags)
        return {"StreamARN": data.stream.arn}

    def describe_stream(self, p: Dict[str, Any]) -> dict:
        data = find_stream(self.store, p, self.region, allow_deleting=True)
        return {"StreamInfo": data.stream.info(self.store.clock())}

    def list_streams(self, p: Dict[str, Any]) -> dict:
        limit = p.get("MaxResults", 10000)
        start = 0
        token = p.get("NextToken")
        streams = self.store.all()
        condition = p.get("StreamNameCondition")
        if condition:
            operator = condition.get("ComparisonOperator")
            value = condition.get("ComparisonValue")
            if operator is not None and operator != "BEGINS_WITH":
                raise invalid_argument(f"Unsupported ComparisonOperator {operator}.")
            if value is not None:
                streams = [s for s in streams if s.stream.name.startswith(value)]
        if token:
            try:
                after = base64.b64decode(token, validate=True).decode()
            except ValueError:
                raise invalid_argument("Invalid NextToken.")
            start = next((i for i, s in enumerate(streams) if s.stream.name > after), len(streams))
        page = streams[start:start + limit]
        now = self.store.clock()
        result: dict = {"StreamInfoList": [s.stream.info(now) for s in page]}
        if start + limit < len(streams):
            result["NextToken"] = base64.b64encode(page[-1].stream.name.encode()).decode()
        return result

    def delete_stream(self, p: Dict[str, Any]) -> dict:
        data = find_stream(self.store, p, self.region)
        _check_version(data, p.get("CurrentVersion"))
        _require_active(self.store, data)
        self.store.delete(data)
        return {}

    def update_stream(self, p: Dict[str, Any]) -> dict:
        data = find_stream(self.store, p, self.region)
        _check_version(data, p["CurrentVersion"])
        _require_active(self.store, data)
        if "DeviceName" in p:
            data.stream.device_name = p["DeviceName"]
        if "MediaType" in p:
            data.stream.media_type = p["MediaType"]
        self.store.mark_updating(data)
        return {}

    def update_data_retention(self, p: Dict[str, Any]) -> dict:
        data = find_stream(self.store, p, self.region)
        _check_version(data, p["CurrentVersion"])
        _require_active(self.store, data)
        change = p["DataRetentionChangeInHours"]
        current = data.stream.retention_hours
        if p["Operation"] == "INCREASE_DATA_RETENTION":
            new = current + change
            if new > MAX_RETENTION_HOURS:
                raise invalid_argument(
                    f"Data retention cannot exceed {MAX_RETENTION_HOURS} hours.")
        else:
            new = current - change
            if new < 0:
                raise invalid_argument(
                    f"Cannot decrease data retention of {current} hours by {change} hours.")
        data.stream.retention_hours = new
        self.store.mark_updating(data)
        return {}

    def tag_stream(self, p: Dict[str, Any]) -> dict:
        data = find_stream(self.store, p, self.region)
        _check_tags(p["Tags"])
        merged = dict(data.stream.tags)
        merged.update(p["Tags"])
        if len(merged) > MAX_TAGS:
            raise KvsError("TagsPerResourceExceededLimitException",
                           f"A stream can have at most {MAX_TAGS} tags.")
        data.stream.tags = merged
        self.store.save_stream(data)
        return {}

    def untag_stream(self, p: Dict[str, Any]) -> dict:
        data = find_stream(self.store, p, self.region)
        for key in p["TagKeyList"]:
            data.stream.tags.pop(key, None)
        self.store.save_stream(data)
        return {}

    def list_tags_for_stream(self, p: Dict[str, Any]) -> dict:
        data = find_stream(self.store, p, self.region)
        return {"Tags": dict(sorted(data.stream.tags.items()))}

    def get_data_endpoint(self, p: Dict[str, Any]) -> dict:
        find_stream(self.store, p, self.region)
        return {"DataEndpoint": self.endpoint()}
