"""botocore's KVS service models: routing and input validation.

The three models (kinesisvideo, kinesis-video-media,
kinesis-video-archived-media, API version 2017-09-30) are loaded from the
installed botocore, so every operation path and every constraint (required,
min/max length or value, pattern, enum) comes from botocore itself.

A constraint violation is answered with InvalidArgumentException (400), the
error every KVS operation models for "the value for this input parameter is
invalid" (guide L9030-9062), using the validation message format of AWS's
JSON services: "1 validation error detected: Value 'x' at 'streamName'
failed to satisfy constraint: Member must ...".  A body whose JSON types do
not match the shape gets SerializationException (400).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import botocore.loaders
import botocore.model

from .errors import KvsError

SERVICES = ("kinesisvideo", "kinesis-video-media", "kinesis-video-archived-media")


@dataclass
class Operation:
    """One routable operation: ``service`` name and botocore OperationModel."""

    service: str
    name: str
    model: botocore.model.OperationModel


def _unicode_class_matcher(pattern: str) -> Optional[Callable[[str], bool]]:
    """Matches Java's ``[\\p{L}\\p{Z}\\p{N}<chars>]*`` patterns (TagKey, TagValue).

    Python's ``re`` has no \\p{..} classes, so these are checked per character.
    """
    match = re.fullmatch(r"\^?\(?\[((?:\\p\{[A-Z]\})+)(.*)\]\*\)?\$?", pattern)
    if not match:
        return None
    categories = tuple(re.findall(r"\\p\{([A-Z])\}", match.group(1)))
    extra = match.group(2).replace("\\-", "-").replace("\\", "")

    def check(value: str) -> bool:
        return all(unicodedata.category(c)[0] in categories or c in extra for c in value)
    return check


class Models:
    """Loaded models and an index from request path to operation."""

    def __init__(self) -> None:
        loader = botocore.loaders.create_loader()
        self.services: Dict[str, botocore.model.ServiceModel] = {}
        self.by_path: Dict[str, Operation] = {}
        for service in SERVICES:
            data = loader.load_service_model(service, "service-2")
            model = botocore.model.ServiceModel(data, service)
            self.services[service] = model
            for name in model.operation_names:
                op = model.operation_model(name)
                self.by_path[op.http["requestUri"]] = Operation(service, name, op)
        self._matchers: Dict[str, Callable[[str], bool]] = {}

    def operation(self, path: str) -> Optional[Operation]:
        return self.by_path.get(path)

    # -- validation -----------------------------------------------------------

    def parse_and_validate(self, op: Operation, body: bytes) -> Dict[str, Any]:
        """Parses a JSON request body and checks it against the input shape."""
        if not body.strip():
            params: Any = {}
        else:
            try:
                params = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise KvsError("SerializationException", "Could not parse the request body as JSON.")
        if not isinstance(params, dict):
            raise KvsError("SerializationException", "Start of structure or map found where not expected.")
        shape = op.model.input_shape
        errors: List[str] = []
        if shape is not None:
            self._check(shape, params, "", errors)
        if errors:
            count = len(errors)
            noun = "error" if count == 1 else "errors"
            raise KvsError("InvalidArgumentException",
                           f"{count} validation {noun} detected: " + "; ".join(errors))
        return params

    def _matcher(self, pattern: str) -> Callable[[str], bool]:
        if pattern not in self._matchers:
            special = _unicode_class_matcher(pattern) if "\\p{" in pattern else None
            if special is not None:
                self._matchers[pattern] = special
            else:
                regex = re.compile(pattern)
                self._matchers[pattern] = lambda v, r=regex: r.fullmatch(v) is not None
        return self._matchers[pattern]

    def _check(self, shape: botocore.model.Shape, value: Any, path: str,
               errors: List[str]) -> None:
        """Appends one AWS-worded message per violated constraint to ``errors``;
        raises SerializationException when the JSON type is wrong."""
        kind = shape.type_name
        if kind == "structure":
            if not isinstance(value, dict):
                raise KvsError("SerializationException",
                               f"Expected a structure at '{path or 'body'}'.")
            for required in shape.required_members:
                if value.get(required) is None:
                    errors.append(f"Value null at '{_join(path, required)}' failed to satisfy "
                                  "constraint: Member must not be null")
            for name, member in shape.members.items():
                if name in value and value[name] is not None:
                    self._check(member, value[name], _join(path, name), errors)
            return
        if kind == "list":
            if not isinstance(value, list):
                raise KvsError("SerializationException", f"Expected a list at '{path}'.")
            self._report(value, path, self._length_problems(len(value), shape.metadata), errors)
            for index, item in enumerate(value):
                self._check(shape.member, item, f"{path}.{index + 1}.member", errors)
            return
        if kind == "map":
            self._check_map(shape, value, path, errors)
            return
        self._report(value, path, self._scalar_problems(shape, value, path), errors)

    def _check_map(self, shape: botocore.model.Shape, value: Any, path: str,
                   errors: List[str]) -> None:
        """Maps are reported as AWS's Coral validator does: one message for the
        map, "Map keys must satisfy constraint: [...]" / "Map value must ..."."""
        if not isinstance(value, dict):
            raise KvsError("SerializationException", f"Expected a map at '{path}'.")
        problems = self._length_problems(len(value), shape.metadata)
        for what, member, items in (("Map keys", shape.key, list(value)),
                                    ("Map value", shape.value, list(value.values()))):
            found: List[str] = []
            for item in items:
                for problem in self._scalar_problems(member, item, path):
                    if problem not in found:
                        found.append(problem)
            if found:
                problems.append(f"{what} must satisfy constraint: [{', '.join(found)}]")
        self._report(value, path, problems, errors)

    def _scalar_problems(self, shape: botocore.model.Shape, value: Any,
                         path: str) -> List[str]:
        """Violated constraints of a string / integer / boolean / timestamp."""
        kind = shape.type_name
        meta = shape.metadata
        problems: List[str] = []
        if kind == "string":
            if not isinstance(value, str):
                raise KvsError("SerializationException",
                               f"Expected a string at '{path}', got {type(value).__name__}.")
            problems += self._length_problems(len(value), meta)
            if "enum" in meta and value not in shape.enum:
                problems.append("Member must satisfy enum value set: "
                                f"[{', '.join(shape.enum)}]")
            pattern = meta.get("pattern")
            if pattern and not self._matcher(pattern)(value):
                problems.append(f"Member must satisfy regular expression pattern: {pattern}")
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise KvsError("SerializationException", f"Expected an integer at '{path}'.")
            if "min" in meta and value < meta["min"]:
                problems.append(f"Member must have value greater than or equal to {meta['min']}")
            if "max" in meta and value > meta["max"]:
                problems.append(f"Member must have value less than or equal to {meta['max']}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise KvsError("SerializationException", f"Expected a boolean at '{path}'.")
        elif kind == "timestamp":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise KvsError("SerializationException",
                               f"Expected a timestamp (epoch seconds) at '{path}'.")
        return problems

    @staticmethod
    def _length_problems(length: int, meta: Dict[str, Any]) -> List[str]:
        problems = []
        if "min" in meta and length < meta["min"]:
            problems.append(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and length > meta["max"]:
            problems.append(f"Member must have length less than or equal to {meta['max']}")
        return problems

    @staticmethod
    def _report(value: Any, path: str, problems: List[str], errors: List[str]) -> None:
        shown = _java_text(value)
        for problem in problems:
            errors.append(f"Value {shown} at '{path}' failed to satisfy constraint: {problem}")


def _java_text(value: Any) -> str:
    """A value as AWS's (Java) validation messages print it: 'text', '[a, b]',
    '{k=v}'; null without quotes."""
    def text(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(text(i) for i in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{text(k)}={text(i)}" for k, i in v.items()) + "}"
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)
    return "null" if value is None else f"'{text(value)}'"


def _join(path: str, member: str) -> str:
    """Member paths use lowerCamelCase names, as AWS's validation messages do."""
    name = member[:1].lower() + member[1:]
    return f"{path}.{name}" if path else name


def split_arn(arn: str) -> Tuple[str, str]:
    """Returns (region, stream name) of a stream ARN
    ``arn:aws:kinesisvideo:<region>:<account>:stream/<name>/<creation ms>``."""
    parts = arn.split(":", 5)
    resource = parts[5].split("/") if len(parts) == 6 else []
    if len(resource) != 3 or resource[0] != "stream":
        raise KvsError("InvalidArgumentException", f"Invalid stream ARN '{arn}'")
    return parts[3], resource[1]
