"""Service errors as AWS's rest-json services send them.

An error response carries (kvs-spec.md section 2, guide L8888-8896):
- the HTTP status;
- ``x-amzn-ErrorType: <Type>`` (botocore's RestJSONParser reads the code from
  this header, parsers.py ``_inject_error_code``);
- ``x-amzn-RequestId: <uuid>`` (botocore ``_inject_response_metadata``);
- a JSON body ``{"message": "..."}`` (botocore reads ``message`` or ``Message``).
"""
from __future__ import annotations

import json
import uuid
from typing import Optional

from aiohttp import web

# HTTP status of each modelled error (botocore service-2.json "error" traits and
# guide L9030-9062, L11565-11677).
STATUS = {
    "AccessDeniedException": 401,
    "AccountStreamLimitExceededException": 400,
    "ClientLimitExceededException": 400,
    "ConnectionLimitExceededException": 400,
    "DeviceStreamLimitExceededException": 400,
    "InvalidArgumentException": 400,
    "InvalidDeviceException": 400,
    "InvalidEndpointException": 400,
    "InvalidResourceFormatException": 400,
    "NotAuthorizedException": 401,
    "ResourceInUseException": 400,
    "ResourceNotFoundException": 404,
    "TagsPerResourceExceededLimitException": 400,
    "VersionMismatchException": 400,
    "NoDataRetentionException": 400,
    "MissingCodecPrivateDataException": 400,
    "InvalidCodecPrivateDataException": 400,
    "InvalidMediaFrameException": 400,
    "UnsupportedStreamMediaTypeException": 400,
    "SerializationException": 400,
    "UnknownOperationException": 404,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    # Authentication (see sigv4.py for the sources of each).
    "UnrecognizedClientException": 403,
    "InvalidSignatureException": 403,
    "IncompleteSignatureException": 403,
    "MissingAuthenticationTokenException": 403,
    "ExpiredTokenException": 403,
}


def new_request_id() -> str:
    """A request id shaped like AWS's (a random UUID)."""
    return str(uuid.uuid4())


class KvsError(Exception):
    """An error to answer with.  ``status`` defaults to the modelled one."""

    def __init__(self, error_type: str, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status if status is not None else STATUS.get(error_type, 400)

    def response(self, request_id: str) -> web.Response:
        """The aiohttp response for this error."""
        body = json.dumps({"message": self.message}).encode()
        return web.Response(
            status=self.status, body=body,
            headers={"x-amzn-ErrorType": self.error_type,
                     "x-amzn-RequestId": request_id,
                     "Content-Type": "application/json"})


def invalid_argument(message: str) -> KvsError:
    return KvsError("InvalidArgumentException", message)


def not_found(message: str) -> KvsError:
    return KvsError("ResourceNotFoundException", message)
