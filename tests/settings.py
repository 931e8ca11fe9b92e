"""Test settings: the environment a test run needs, then the one real settings file.

Keys are fixed so failures reproduce; they protect nothing and exist nowhere else.
"""

import base64
import json
import os
import tempfile

os.environ["UNDERSIGNED_TESTING"] = "1"
os.environ.pop("UNDERSIGNED_DEMO", None)
os.environ.setdefault("UNDERSIGNED_VAR_DIR", tempfile.mkdtemp(prefix="undersigned-test-"))
os.environ["UNDERSIGNED_KEYS"] = json.dumps(
    {
        "current": "t1",
        "keys": {"t1": base64.b64encode(b"k" * 32).decode()},
        "pepper": base64.b64encode(b"p" * 32).decode(),
    }
)
os.environ.setdefault("SITE_URL", "http://testserver")

from undersigned.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Most tests confirm a signature and read the count at once; tests of the
# page and count caches turn them on (tests/test_caches.py). The campaign and
# postal code caches stay on: saving clears them, as in production.
PAGE_FRESH_SECONDS = 0
PARTNERS_ON_LOOPBACK = True
