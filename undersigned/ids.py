"""Row ids chosen by the application before the first save."""

import os
import time
import uuid


def time_ordered_uuid() -> uuid.UUID:
    """A version-7 UUID: 48 bits of Unix milliseconds, then randomness.

    Ids must exist before a row is saved (sealed fields are bound to them), and
    time order keeps B-tree inserts at the right edge of the index instead of
    scattering them as random UUIDs would.
    """
    millis = time.time_ns() // 1_000_000
    value = (millis & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)
