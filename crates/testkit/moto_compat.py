"""Runs the pinned moto server with the fixes that make it answer as AWS does
where trailaudit reads it. Loaded in the moto process by the test harness
(crates/testkit/src/emulator.rs): `python moto_compat.py -H HOST -p PORT`.

Each fix names the difference (see ../shared/emulator.md) and is checked by a
test through the real Rust SDK (testkit tests/emulator_compat.rs), so a moto
upgrade that fixes or changes the behaviour shows up as a failing test.

1. GetBucketVersioning: moto 5.2.5 wraps the answer in a
   <GetBucketVersioningResponse> root; AWS answers
   <VersioningConfiguration> with an optional <Status> and <MfaDelete>, and
   an empty <VersioningConfiguration/> for a bucket that was never
   versioned. The Rust SDK rejects moto's shape.
2. account:ListRegions: moto has no Account API (it answers 404 with an
   HTML page). Answered as AWS does for an account with only the regions
   enabled by default: the 17 of them ENABLED_BY_DEFAULT, the opt-in regions
   DISABLED, filtered by RegionOptStatusContains.
3. cloudtrail:ListEventDataStores: moto has no CloudTrail Lake (HTTP 500).
   Answered as AWS does for an account with no event data store (moto's
   world has none): an empty list.
4. s3:GetBucketRequestPayment / PutBucketRequestPayment: moto has neither
   (a GET ?requestPayment answers a ListObjects page, which the Rust SDK
   rejects). Answered as AWS does: the payer kept per bucket, `BucketOwner`
   until a PutBucketRequestPayment says `Requester`.
5. cloudtrail:ListPublicKeys: moto has none (HTTP 500), and writes no
   digest files. The test kit writes digests signed with a test key pair
   (src/digests.rs); this answers, in every region, as AWS does with one
   key: that key's public half (keys/digest-test-key.pub.der, PKCS#1 DER,
   base64 in JSON), its fingerprint the first 32 hex digits of its
   SHA-256, valid from 2020 to 2100.
"""

import base64
import hashlib
import json
import os
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.responses import S3Response

_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _get_bucket_versioning(self):
    status = self.backend.get_bucket_versioning(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<VersioningConfiguration xmlns="{_XMLNS}">{inner}</VersioningConfiguration>'
    )
    return 200, {"Content-Type": "application/xml"}, body


S3Response.get_bucket_versioning = _get_bucket_versioning

_DEFAULT_REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "sa-east-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
    "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
]
_OPT_IN_REGIONS = [
    "af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3",
    "ap-southeast-4", "ca-west-1", "eu-central-2", "eu-south-1",
    "eu-south-2", "il-central-1", "me-central-1", "me-south-1",
]


def _json(start_response, body):
    data = json.dumps(body).encode()
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _list_regions(environ):
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        asked = json.loads(environ["wsgi.input"].read(size) or b"{}")
    except (ValueError, KeyError):
        asked = {}
    wanted = set(asked.get("RegionOptStatusContains") or [])
    regions = [{"RegionName": r, "RegionOptStatus": "ENABLED_BY_DEFAULT"} for r in _DEFAULT_REGIONS]
    regions += [{"RegionName": r, "RegionOptStatus": "DISABLED"} for r in _OPT_IN_REGIONS]
    if wanted:
        regions = [r for r in regions if r["RegionOptStatus"] in wanted]
    return {"Regions": regions}


_dispatch = DomainDispatcherApplication.__call__

_KEY_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keys", "digest-test-key.pub.der")


def _list_public_keys():
    with open(_KEY_FILE, "rb") as f:
        der = f.read()
    return {
        "PublicKeyList": [
            {
                "Value": base64.b64encode(der).decode(),
                "ValidityStartTime": 1577836800,
                "ValidityEndTime": 4102444800,
                "Fingerprint": hashlib.sha256(der).hexdigest()[:32],
            }
        ]
    }


_PAYERS = {}


def _request_payment(environ, start_response):
    bucket = environ.get("PATH_INFO", "/").strip("/").split("/")[0]
    if environ.get("REQUEST_METHOD") == "PUT":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size).decode() if size else ""
        _PAYERS[bucket] = "Requester" if "<Payer>Requester</Payer>" in body else "BucketOwner"
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<RequestPaymentConfiguration xmlns="{_XMLNS}">'
        f"<Payer>{_PAYERS.get(bucket, 'BucketOwner')}</Payer></RequestPaymentConfiguration>"
    ).encode()
    start_response(
        "200 OK", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _call(self, environ, start_response):
    query = environ.get("QUERY_STRING", "")
    if any(part.split("=")[0] == "requestPayment" for part in query.split("&")):
        return _request_payment(environ, start_response)
    if environ.get("PATH_INFO") == "/moto-api/reset":
        _PAYERS.clear()
    if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == "/listRegions":
        return _json(start_response, _list_regions(environ))
    if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".ListPublicKeys"):
        return _json(start_response, _list_public_keys())
    if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".ListEventDataStores"):
        return _json(start_response, {"EventDataStores": []})
    return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _call

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
