"""Runs the pinned moto server with the fixes that make it answer as AWS does
where trailaudit reads it. Loaded in the moto process by the test harness
(crates/testkit/src/emulator.rs): `python moto_compat.py -H HOST -p PORT`.

Each fix names the difference (see ../shared/emulator.md) and is checked by a
test through the real Rust SDK (the end-to-end tests in crates/cli/tests/e2e/,
the event history's in history.rs), so a moto
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
6. cloudtrail:LookupEvents (event history): moto records no events and has
   no LookupEvents (HTTP 500). The mutating calls that reach the emulator
   (JSON-protocol calls of CloudTrail, KMS, CloudWatch Logs and
   Organizations whose operation is not Describe/Get/List/Lookup, and S3
   bucket-configuration calls: Put/Delete of the policy, lifecycle,
   encryption, public access block, request payment, ACL, and CreateBucket,
   DeleteBucket) are recorded as the caller's account-region's event history
   as CloudTrail writes it: event id, name, source, time, userIdentity (the
   principal resolved from the request's access key: IAM user, assumed role
   with its session, or root for an unknown key), source IP, user agent,
   requestParameters (JSON bodies with camelCase member names, S3 XML
   bodies as CloudTrail renders them), errorCode of a failed call, resources. Organizations calls
   are recorded in us-east-1, S3 calls in the signing region (the bucket's).
   LookupEvents answers from it as AWS does: one lookup attribute (EventId,
   EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource,
   AccessKeyId), StartTime/EndTime, newest first, MaxResults up to 50 with
   NextToken, only the last 90 days, IAM enforcement as for any call, and
   a ThrottlingException past 2 requests per second per account and region.
   Test controls (not AWS): `POST /_compat/history/age` with
   {"account": ID, "days": N} moves an account's recorded events N days
   back (a change older than the history); `POST /_compat/lookup-rate` with
   a number sets the per-second limit (another caller sharing the quota);
   `/moto-api/reset` clears the history and restores the limit.
"""

import base64
import hashlib
import io
import json
import os
import re
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.responses import S3Response
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.exceptions import JsonRESTError

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


# --- 6. Event history -------------------------------------------------------

_HISTORY = {}  # (account, region) -> [event], oldest first
_HISTORY_LOCK = threading.Lock()
_HISTORY_DAYS = 90
_LOOKUP_RATE = [2]
_LOOKUP_TIMES = {}  # (account, region) -> [accepted call times]
_CREDENTIAL = re.compile(r"Credential=([A-Za-z0-9]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
_SOURCES = {
    "CloudTrail_20131101": "cloudtrail.amazonaws.com",
    "TrentService": "kms.amazonaws.com",
    "Logs_20140328": "logs.amazonaws.com",
    "AWSOrganizationsV20161128": "organizations.amazonaws.com",
}
_READ_ONLY = ("Describe", "Get", "List", "Lookup", "Head")
_S3_SUBRESOURCES = {
    ("PUT", "policy"): "PutBucketPolicy",
    ("DELETE", "policy"): "DeleteBucketPolicy",
    ("PUT", "lifecycle"): "PutBucketLifecycle",
    ("DELETE", "lifecycle"): "DeleteBucketLifecycle",
    ("PUT", "encryption"): "PutBucketEncryption",
    ("DELETE", "encryption"): "DeleteBucketEncryption",
    ("PUT", "publicAccessBlock"): "PutBucketPublicAccessBlock",
    ("DELETE", "publicAccessBlock"): "DeleteBucketPublicAccessBlock",
    ("PUT", "requestPayment"): "PutBucketRequestPayment",
    ("PUT", "acl"): "PutBucketAcl",
    ("PUT", "versioning"): "PutBucketVersioning",
    ("PUT", "logging"): "PutBucketLogging",
}
# The request parameter that names each source's resource, and its type.
_RESOURCE_PARAMS = {
    "cloudtrail.amazonaws.com": [("name", "AWS::CloudTrail::Trail"), ("trailName", "AWS::CloudTrail::Trail")],
    "kms.amazonaws.com": [("keyId", "AWS::KMS::Key")],
    "logs.amazonaws.com": [("logGroupName", "AWS::Logs::LogGroup")],
    "organizations.amazonaws.com": [("policyId", "AWS::Organizations::Policy"), ("targetId", "AWS::Organizations::Account")],
}


def _camel(v):
    """JSON request parameters as CloudTrail writes them: member names camelCase."""
    if isinstance(v, dict):
        return {(k[:1].lower() + k[1:]): _camel(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_camel(x) for x in v]
    return v


def _event_name(environ):
    """(event source, event name, S3 bucket or None) of a call to record, else None."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        prefix, _, op = target.rpartition(".")
        source = _SOURCES.get(prefix.rpartition(".")[2])
        if source and op and not op.startswith(_READ_ONLY):
            return source, op, None
        return None
    m = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not m or m.group(3) != "s3":
        return None
    parts = [p for p in environ.get("PATH_INFO", "/").split("/") if p]
    if len(parts) != 1:
        return None  # object-level calls are data events, not event history
    method = environ.get("REQUEST_METHOD")
    keys = [q.split("=")[0] for q in environ.get("QUERY_STRING", "").split("&") if q]
    for k in keys:
        name = _S3_SUBRESOURCES.get((method, k))
        if name:
            return "s3.amazonaws.com", name, parts[0]
    if not keys and method == "PUT":
        return "s3.amazonaws.com", "CreateBucket", parts[0]
    if not keys and method == "DELETE":
        return "s3.amazonaws.com", "DeleteBucket", parts[0]
    return None


def _xml_value(el):
    children = list(el)
    if not children:
        text = (el.text or "").strip()
        return int(text) if text.isdigit() else text
    out = {}
    for c in children:
        tag = c.tag.split("}")[-1]
        v = _xml_value(c)
        if tag in out:
            if not isinstance(out[tag], list):
                out[tag] = [out[tag]]
            out[tag].append(v)
        else:
            out[tag] = v
    return out


def _identity(environ, account, access_key):
    """The caller as CloudTrail's userIdentity, resolved from its access key."""
    from moto.iam.access_control import create_access_key

    headers = {}
    if environ.get("HTTP_X_AMZ_SECURITY_TOKEN"):
        headers["X-Amz-Security-Token"] = environ["HTTP_X_AMZ_SECURITY_TOKEN"]
    try:
        arn = create_access_key(account, "aws", access_key, headers).arn
    except Exception:  # an unknown key acts as the account's root in moto
        arn = f"arn:aws:iam::{account}:root"
    ident = {"arn": arn, "accountId": account, "accessKeyId": access_key}
    if ":assumed-role/" in arn:
        role, session = arn.split("/")[1], arn.split("/")[2]
        ident.update({
            "type": "AssumedRole",
            "principalId": f"AROA{account}:{session}",
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "arn": f"arn:aws:iam::{account}:role/{role}",
                "accountId": account, "userName": role}},
        })
        return ident, session
    if ":user/" in arn:
        user = arn.split(":user/")[1].split("/")[-1]
        ident.update({"type": "IAMUser", "userName": user})
        return ident, user
    ident.update({"type": "Root"})
    return ident, "root"


def _record(environ, named, body, status):
    from moto.iam.models import get_account_id_from

    source, name, bucket = named
    m = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not m:
        return
    access_key, region = m.group(1), m.group(2)
    if source == "organizations.amazonaws.com":
        region = "us-east-1"
    account = get_account_id_from(access_key)
    identity, username = _identity(environ, account, access_key)
    resources = []
    if bucket is not None:
        params = {"bucketName": bucket, "Host": environ.get("HTTP_HOST", "")}
        for k in [q.split("=")[0] for q in environ.get("QUERY_STRING", "").split("&") if q]:
            params[k] = ""
        if body:
            try:
                root = ET.fromstring(body)
                params[root.tag.split("}")[-1]] = _xml_value(root)
            except ET.ParseError:
                pass
        resources.append({"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}", "name": bucket})
    else:
        try:
            params = _camel(json.loads(body or b"{}"))
        except ValueError:
            params = {}
        for key, rtype in _RESOURCE_PARAMS.get(source, []):
            if isinstance(params.get(key), str):
                resources.append({"type": rtype, "ARN": params[key], "name": params[key]})
    code = int(status.split()[0]) if status else 200
    now = time.time()
    event = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": environ.get("REMOTE_ADDR", "127.0.0.1"),
        "userAgent": environ.get("HTTP_USER_AGENT", ""),
        "requestParameters": params,
        "responseElements": None,
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "resources": [{"accountId": account, "type": r["type"], "ARN": r["ARN"]} for r in resources],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if code >= 300:
        event["errorCode"] = "Error"
        event["errorMessage"] = f"HTTP {code}"
    with _HISTORY_LOCK:
        _HISTORY.setdefault((account, region), []).append(
            {"time": now, "event": event, "username": username, "resources": resources}
        )


def _recording(self, environ, start_response, named):
    size = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(size) if size else b""
    environ["wsgi.input"] = io.BytesIO(body)
    seen = {}

    def capture(status, headers, exc_info=None):
        seen["status"] = status
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    out = _dispatch(self, environ, capture)
    try:
        _record(environ, named, body, seen.get("status", "200 OK"))
    except Exception as e:  # never break the call being recorded
        print(f"moto_compat: event not recorded: {e}", file=sys.stderr)
    return out


def _matches(entry, key, value):
    e = entry["event"]
    if key == "EventId":
        return e["eventID"] == value
    if key == "EventName":
        return e["eventName"] == value
    if key == "ReadOnly":
        return value.lower() == "false"
    if key == "Username":
        return entry["username"] == value
    if key == "EventSource":
        return e["eventSource"] == value
    if key == "AccessKeyId":
        return e["userIdentity"].get("accessKeyId") == value
    if key == "ResourceType":
        return any(r["type"] == value for r in entry["resources"])
    if key == "ResourceName":
        return any(r["name"] == value for r in entry["resources"])
    raise JsonRESTError("InvalidLookupAttributesException", f"{key} is not a lookup attribute")


def _lookup_events(self):
    key = (self.current_account, self.region)
    now = time.time()
    with _HISTORY_LOCK:
        times = [t for t in _LOOKUP_TIMES.get(key, []) if now - t < 1.0]
        if len(times) >= _LOOKUP_RATE[0]:
            _LOOKUP_TIMES[key] = times
            raise JsonRESTError("ThrottlingException", "Rate exceeded")
        times.append(now)
        _LOOKUP_TIMES[key] = times
        entries = list(_HISTORY.get(key, []))
    asked = json.loads(self.body or "{}")
    attrs = asked.get("LookupAttributes") or []
    if len(attrs) > 1:
        raise JsonRESTError("InvalidLookupAttributesException", "only one lookup attribute is allowed")
    limit = asked.get("MaxResults", 50)
    if not isinstance(limit, int) or not 1 <= limit <= 50:
        raise JsonRESTError("InvalidMaxResultsException", "MaxResults must be from 1 to 50")
    oldest = now - _HISTORY_DAYS * 86400
    start = max(float(asked.get("StartTime", oldest)), oldest)
    end = float(asked.get("EndTime", now))
    if start > end:
        raise JsonRESTError("InvalidTimeRangeException", "StartTime is after EndTime")
    found = [
        e for e in reversed(entries)
        if start <= e["time"] <= end
        and all(_matches(e, a.get("AttributeKey"), a.get("AttributeValue", "")) for a in attrs)
    ]
    offset = 0
    if asked.get("NextToken"):
        try:
            offset = int(base64.b64decode(asked["NextToken"]).decode())
        except ValueError:
            raise JsonRESTError("InvalidNextTokenException", "invalid NextToken")
    page = found[offset:offset + limit]
    out = {"Events": [
        {
            "EventId": e["event"]["eventID"],
            "EventName": e["event"]["eventName"],
            "ReadOnly": "false",
            "AccessKeyId": e["event"]["userIdentity"].get("accessKeyId"),
            "EventTime": e["time"],
            "EventSource": e["event"]["eventSource"],
            "Username": e["username"],
            "Resources": [{"ResourceType": r["type"], "ResourceName": r["name"]} for r in e["resources"]],
            "CloudTrailEvent": json.dumps(e["event"]),
        }
        for e in page
    ]}
    if offset + limit < len(found):
        out["NextToken"] = base64.b64encode(str(offset + limit).encode()).decode()
    return json.dumps(out)


CloudTrailResponse.lookup_events = _lookup_events


def _control(environ, start_response):
    size = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(size).decode() if size else ""
    path = environ.get("PATH_INFO")
    with _HISTORY_LOCK:
        if path == "/_compat/history/age":
            asked = json.loads(body)
            shift = float(asked["days"]) * 86400
            for (account, _), entries in _HISTORY.items():
                if account == asked["account"]:
                    for e in entries:
                        e["time"] -= shift
                        e["event"]["eventTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(e["time"]))
        elif path == "/_compat/lookup-rate":
            _LOOKUP_RATE[0] = max(1, int(body))
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def _call(self, environ, start_response):
    query = environ.get("QUERY_STRING", "")
    named = _event_name(environ)
    if any(part.split("=")[0] == "requestPayment" for part in query.split("&")):
        if named:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(size) if size else b""
            environ["wsgi.input"] = io.BytesIO(body)
            _record(environ, named, body, "200 OK")
        return _request_payment(environ, start_response)
    if environ.get("PATH_INFO") == "/moto-api/reset":
        _PAYERS.clear()
        with _HISTORY_LOCK:
            _HISTORY.clear()
            _LOOKUP_TIMES.clear()
            _LOOKUP_RATE[0] = 2
    if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith("/_compat/"):
        return _control(environ, start_response)
    if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == "/listRegions":
        return _json(start_response, _list_regions(environ))
    if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".ListPublicKeys"):
        return _json(start_response, _list_public_keys())
    if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".ListEventDataStores"):
        return _json(start_response, {"EventDataStores": []})
    if named:
        return _recording(self, environ, start_response, named)
    return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _call

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
