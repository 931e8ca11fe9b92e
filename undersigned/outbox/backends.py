"""The demo's mail backend: one .eml file per message under var/mail/."""

from __future__ import annotations

import re
import time
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        directory = Path(settings.MAIL_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            mime = message.message()
            stem = re.sub(r"[^A-Za-z0-9-]", "", str(mime["Message-ID"]))[:40] or "message"
            name = f"{time.time_ns()}-{stem}.eml"
            (directory / name).write_bytes(mime.as_bytes())
        return len(email_messages)
