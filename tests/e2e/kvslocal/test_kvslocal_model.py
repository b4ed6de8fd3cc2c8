"""Every field constraint of botocore's KVS models is enforced by kvslocal.

The cases are generated from the installed botocore models (python3-botocore,
the source issue 3 names), so a constraint kvslocal forgot -- or one a newer
botocore adds -- fails here.  For every operation kvslocal serves and every
member with a constraint (required, min/max length, min/max value, pattern,
enum, on structures, lists and maps at any depth) one request violates just
that constraint; kvslocal must answer 400 InvalidArgumentException naming the
member and the constraint in the words of AWS's validator ("1 validation
error detected: Value 'x' at 'streamName' failed to satisfy constraint:
Member must ...").  Requests that satisfy the model must get past validation.

The requests are sent by botocore with its own parameter validation off, so
what is checked is kvslocal's answer, not botocore's client-side checks.
"""
import copy
import json
import re

import botocore.loaders
import botocore.model
import pytest
from botocore import xform_name

from kvslocal_helpers import error_of, raw_request

SERVED = {
    "kinesisvideo": ["CreateStream", "DescribeStream", "ListStreams", "DeleteStream",
                     "UpdateStream", "UpdateDataRetention", "TagStream", "UntagStream",
                     "ListTagsForStream", "GetDataEndpoint"],
    "kinesis-video-media": ["GetMedia"],
    "kinesis-video-archived-media": ["ListFragments", "GetMediaForFragmentList", "GetClip",
                                     "GetImages"],
}
ARN = "arn:aws:kinesisvideo:us-west-2:123456789012:stream/nope/1"
T0 = 1_700_000_000
BASE = {
    "CreateStream": {"StreamName": "model-valid"},
    "DescribeStream": {"StreamName": "nope"},
    "ListStreams": {},
    "DeleteStream": {"StreamARN": ARN},
    "UpdateStream": {"StreamName": "nope", "CurrentVersion": "abc"},
    "UpdateDataRetention": {"StreamName": "nope", "CurrentVersion": "abc",
                            "Operation": "INCREASE_DATA_RETENTION",
                            "DataRetentionChangeInHours": 1},
    "TagStream": {"StreamName": "nope", "Tags": {"k": "v"}},
    "UntagStream": {"StreamName": "nope", "TagKeyList": ["k"]},
    "ListTagsForStream": {"StreamName": "nope"},
    "GetDataEndpoint": {"StreamName": "nope", "APIName": "PUT_MEDIA"},
    "GetMedia": {"StreamName": "nope", "StartSelector": {"StartSelectorType": "EARLIEST"}},
    "ListFragments": {"StreamName": "nope"},
    "GetMediaForFragmentList": {"StreamName": "nope", "Fragments": ["1"]},
    "GetClip": {"StreamName": "nope", "ClipFragmentSelector": {
        "FragmentSelectorType": "PRODUCER_TIMESTAMP",
        "TimestampRange": {"StartTimestamp": T0, "EndTimestamp": T0 + 10}}},
    "GetImages": {"StreamName": "nope", "ImageSelectorType": "PRODUCER_TIMESTAMP",
                  "StartTimestamp": T0, "EndTimestamp": T0 + 10, "SamplingInterval": 3000,
                  "Format": "PNG"},
}
# A valid sample for each constrained string, by the pattern it must match.
VALID_BY_PATTERN = {
    "[a-zA-Z0-9_.-]+": "cam",
    "[a-zA-Z0-9]+": "abc",
    "[\\w\\-\\.\\+]+/[\\w\\-\\.\\+]+(,[\\w\\-\\.\\+]+/[\\w\\-\\.\\+]+)*": "video/h264",
    ".+": "key",
    "^[0-9]+$": "1",
    "^[a-zA-Z0-9_\\.\\-]+$": "1",
    "^[a-zA-Z_0-9]+": "80",
    "[a-zA-Z0-9+/=]*": "abc",
    "[a-zA-Z0-9+/]+={0,2}": "QQ==",
}
PATTERN_VIOLATIONS = ["bad value!", "!", "a\nb", "\n"]


def _ascii_regex(pattern):
    """Java's \\p{L}, \\p{Z}, \\p{N} restricted to ASCII, for Python's re (the
    candidates above are ASCII)."""
    return pattern.replace("\\p{L}", "a-zA-Z").replace("\\p{Z}", " ").replace("\\p{N}", "0-9")


def valid_value(shape):
    kind = shape.type_name
    meta = shape.metadata
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        if "pattern" in meta:
            if meta["pattern"].startswith("arn:"):
                return ARN
            if meta["pattern"] in VALID_BY_PATTERN:
                return VALID_BY_PATTERN[meta["pattern"]]
            return "k"        # TagKey / TagValue
        return "x"
    if kind in ("integer", "long"):
        return max(meta.get("min", 1), 1)
    if kind == "timestamp":
        return T0
    if kind == "boolean":
        return True
    if kind == "list":
        return [valid_value(shape.member)]
    if kind == "map":
        return {valid_value(shape.key): valid_value(shape.value)}
    return {name: valid_value(member) for name, member in shape.members.items()
            if name in shape.required_members}


def camel(name):
    return name[:1].lower() + name[1:]


def scalar_violations(shape):
    """(bad value, the constraint phrase AWS's validator reports) of a scalar."""
    meta = shape.metadata
    out = []
    if shape.type_name == "string":
        good = valid_value(shape)
        if meta.get("min", 0) >= 1:
            out.append(("", f"Member must have length greater than or equal to {meta['min']}"))
        if "max" in meta:
            out.append((good + "a" * meta["max"],
                        f"Member must have length less than or equal to {meta['max']}"))
        if shape.enum:
            out.append(("NOT_IN_THE_ENUM", "Member must satisfy enum value set: ["))
        if "pattern" in meta:
            regex = re.compile(_ascii_regex(meta["pattern"]))
            bad = next(c for c in PATTERN_VIOLATIONS if regex.fullmatch(c) is None
                       and meta.get("min", 0) <= len(c) <= meta.get("max", 1 << 30))
            out.append((bad, "Member must satisfy regular expression pattern: "
                             + meta["pattern"]))
    elif shape.type_name in ("integer", "long"):
        if "min" in meta:
            out.append((meta["min"] - 1,
                        f"Member must have value greater than or equal to {meta['min']}"))
        if "max" in meta:
            out.append((meta["max"] + 1,
                        f"Member must have value less than or equal to {meta['max']}"))
    return out


def violations(shape, current):
    """(new value of this shape, path below it, phrases) for every constraint."""
    kind = shape.type_name
    meta = shape.metadata
    out = []
    if kind == "structure":
        for name, member in shape.members.items():
            if name in shape.required_members:
                without = {k: v for k, v in current.items() if k != name}
                out.append((without, [camel(name)], ["Member must not be null"]))
            sub = current.get(name)
            if sub is None:
                sub = valid_value(member)
            for value, path, phrases in violations(member, sub):
                changed = copy.deepcopy(current)
                changed[name] = value
                out.append((changed, [camel(name)] + path, phrases))
        return out
    if kind == "list":
        if meta.get("min", 0) >= 1:
            out.append(([], [], [f"Member must have length greater than or equal to "
                                 f"{meta['min']}"]))
        if "max" in meta:
            out.append(([current[0]] * (meta["max"] + 1), [],
                        [f"Member must have length less than or equal to {meta['max']}"]))
        for value, path, phrases in violations(shape.member, current[0]):
            out.append(([value], ["1", "member"] + path, phrases))
        return out
    if kind == "map":
        key, value = next(iter(current.items()))
        if meta.get("min", 0) >= 1:
            out.append(({}, [], [f"Member must have length greater than or equal to "
                                 f"{meta['min']}"]))
        if "max" in meta:
            many = {f"{key}{i}": value for i in range(meta["max"] + 1)}
            out.append((many, [], [f"Member must have length less than or equal to "
                                   f"{meta['max']}"]))
        for bad, phrase in scalar_violations(shape.key):
            out.append(({bad: value}, [], ["Map keys must satisfy constraint: [", phrase]))
        for bad, phrase in scalar_violations(shape.value):
            out.append(({key: bad}, [], ["Map value must satisfy constraint: [", phrase]))
        return out
    return [(bad, [], [phrase]) for bad, phrase in scalar_violations(shape)]


def _operations():
    loader = botocore.loaders.create_loader()
    for service, names in SERVED.items():
        model = botocore.model.ServiceModel(loader.load_service_model(service, "service-2"),
                                            service)
        for name in names:
            yield service, name, model.operation_model(name)


def _cases():
    cases = []
    for service, name, op in _operations():
        for params, path, phrases in violations(op.input_shape, BASE[name]):
            dotted = ".".join(path)
            cases.append(pytest.param(service, name, params, dotted, phrases,
                                      id=f"{name}-{dotted}-{phrases[-1][12:40]}"))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def clients(shared_kvs):
    return {service: shared_kvs.boto_client(service, parameter_validation=False)
            for service in SERVED}


def test_every_served_operation_and_constraint_is_covered():
    """The generator reaches every constrained member of every served operation."""
    covered = {(c.values[1], c.values[3].split(".")[0]) for c in CASES}
    for _, name, op in _operations():
        for member, shape in op.input_shape.members.items():
            constrained = member in op.input_shape.required_members or \
                shape.type_name in ("structure", "list", "map") or \
                set(shape.metadata) & {"min", "max", "pattern", "enum"}
            if constrained:
                assert (name, camel(member)) in covered, (name, member)
    assert len(CASES) > 150


@pytest.mark.parametrize("service,operation,params,path,phrases", CASES)
def test_constraint_violation_is_invalid_argument(clients, service, operation, params, path,
                                                  phrases):
    call = getattr(clients[service], xform_name(operation))
    code, status, err = error_of(call, **params)
    message = err["Error"]["Message"]
    assert (code, status) == ("InvalidArgumentException", 400), message
    assert re.match(r"\d+ validation errors? detected: ", message)
    assert f"at '{path}' failed to satisfy constraint: " in message
    for phrase in phrases:
        assert phrase in message


@pytest.mark.parametrize("service,operation,op", [
    pytest.param(s, n, o, id=n) for s, n, o in _operations()])
def test_valid_requests_pass_validation(clients, shared_kvs, service, operation, op):
    """The base request and the base with every optional member set validly are
    not validation errors (at most the stream is not found)."""
    params = copy.deepcopy(BASE[operation])
    for name, member in op.input_shape.members.items():
        if name not in params and not (name == "StreamARN" and "StreamName" in params) \
                and name != "NextToken":
            params[name] = valid_value(member)
    if operation == "CreateStream":
        params["StreamName"] = "model-valid-all"
    if operation == "GetImages":
        params.pop("WidthPixels")        # WidthPixels alone is a ValidationException
        params.pop("HeightPixels")
    call = getattr(clients[service], xform_name(operation))
    for request in (BASE[operation], params):
        try:
            call(**request)
        except Exception as exc:  # noqa: BLE001 - a ClientError is expected for most
            response = getattr(exc, "response", None)
            assert response is not None, exc
            assert "validation error" not in response["Error"]["Message"], response
            assert response["Error"]["Code"] in ("ResourceNotFoundException",
                                                 "InvalidArgumentException"), response


@pytest.mark.parametrize("service,operation", [
    (s, n) for s, n, o in _operations()
    if {"StreamName", "StreamARN"} <= set(o.input_shape.members)
    and not {"StreamName", "StreamARN"} & set(o.input_shape.required_members)])
def test_stream_name_or_arn_is_needed(clients, service, operation):
    """"You must specify either the StreamName or the StreamARN" (botocore docs)."""
    params = {k: v for k, v in BASE[operation].items() if k not in ("StreamName", "StreamARN")}
    code, status, err = error_of(getattr(clients[service], xform_name(operation)), **params)
    assert (code, status) == ("InvalidArgumentException", 400)
    assert "StreamName or StreamARN" in err["Error"]["Message"]


@pytest.mark.parametrize("body", [
    b'{"StreamName": "cam", "DataRetentionInHours": "2"}',
    b'{"StreamName": ["cam"]}',
    b'{"StreamName": "cam", "Tags": ["k"]}',
    b'{"StreamName": "cam", "DataRetentionInHours": true}',
    b'["StreamName"]',
    b'{"StreamName": ',
])
def test_wrong_json_is_a_serialization_error(shared_kvs, body):
    status, headers, answer = raw_request(shared_kvs, "/createStream", body)
    assert status == 400
    assert headers["x-amzn-errortype"] == "SerializationException"
    assert set(json.loads(answer)) == {"message"}
