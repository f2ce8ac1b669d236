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
"""

import sys

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

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
