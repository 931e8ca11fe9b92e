"""Simulated signers for the anti-abuse tests: people who open the campaign
page in a browser (with or without JavaScript) and scripts that post without
one. Everything goes through the real sign view; time is moved with
time-machine, never waited for.
"""

from __future__ import annotations

import base64
import heapq
import html
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.test import Client
from django.urls import reverse

from undersigned.abuse import challenge

CHECK = "One more step: your signature is not sent yet."
ANSWER = "Check your e-mail"
TOKEN = re.compile(r'name="issued" value="([^"]+)"')
PUZZLE = re.compile(
    r'data-pow[^>]*data-algorithm="([^"]*)" data-challenge="([^"]*)" data-salt="([^"]*)" '
    r'data-signature="([^"]*)" data-maxnumber="(\d+)"'
)
WAIT = re.compile(r"Please wait (\d+) seconds?, then press Sign again")
WAIT_MINUTES = re.compile(r"press Sign again in about (\d+) minutes?")


def token_in(page: str) -> str:
    return html.unescape(TOKEN.search(page).group(1))


def solve_puzzle_in(page: str) -> str:
    """What pow.js does in the browser, done here."""
    algorithm, challenge_hash, salt, signature, maxnumber = PUZZLE.search(page).groups()
    puzzle = {
        "algorithm": algorithm,
        "challenge": challenge_hash,
        "salt": html.unescape(salt),
        "signature": signature,
        "maxnumber": int(maxnumber),
    }
    return challenge.solve(puzzle)


def seconds_to_wait_in(page: str) -> int:
    """The wait the check page names (in minutes when it is long)."""
    if minutes := WAIT_MINUTES.search(page):
        return int(minutes.group(1)) * 60
    return int(WAIT.search(page).group(1))


@dataclass
class Person:
    """Someone signing in a browser: opens the page, takes `typing` seconds,
    presses Sign; asked for the check, their browser solves it (JavaScript)
    or they wait as the page says and press Sign again."""

    email: str
    ip: str
    typing: float
    javascript: bool = True
    first_name: str = "Ada"
    postal_code: str = "02143"
    listed: bool = False
    checks: int = 0
    answered: bool = False

    def details(self) -> dict:
        return {
            "first_name": self.first_name,
            "last_name": "Lovelace",
            "email": self.email,
            "postal_code": self.postal_code,
            **({"listed": "on"} if self.listed else {}),
        }

    def steps(self, campaign):
        """Signing, as a generator that yields the seconds until its next step
        (so that many people can sign at once: see run_together)."""
        client = Client(REMOTE_ADDR=self.ip)
        page = client.get(campaign.get_absolute_url()).content.decode()
        data = {**self.details(), "issued": token_in(page)}
        if self.javascript and PUZZLE.search(page):
            data["pow"] = solve_puzzle_in(page)  # on a campaign with proof_of_work on
        yield self.typing
        for _ in range(4):
            answer = client.post(reverse("sign", args=[campaign.slug]), data).content.decode()
            if ANSWER in answer:
                self.answered = True
                return
            assert CHECK in answer, answer[:2000]
            self.checks += 1
            data = {**self.details(), "issued": token_in(answer)}
            if self.javascript:
                data["pow"] = solve_puzzle_in(answer)
                yield 1.5  # the browser's work, then the form sends itself
            else:
                yield seconds_to_wait_in(answer) + 2


def run_together(people: list, campaign, clock, arrivals: list[float]) -> None:
    """Each person starts at their arrival (seconds from now); the clock moves
    from one step to the next, whoever's it is."""
    start = time.time()
    queue = [(arrival, n, person.steps(campaign)) for n, (person, arrival) in
             enumerate(zip(people, arrivals, strict=True))]  # fmt: skip
    heapq.heapify(queue)
    while queue:
        at, n, steps = heapq.heappop(queue)
        clock.move_to(datetime.fromtimestamp(max(at + start, time.time()), tz=UTC))
        wait = next(steps, None)
        if wait is not None:
            heapq.heappush(queue, (time.time() - start + wait, n, steps))


def forged_token() -> str:
    """A token of the right shape that we did not sign."""
    payload = base64.urlsafe_b64encode(json.dumps([1.0, "00"]).encode()).decode().rstrip("=")
    return f"{payload}:1tVd2Q:{'A' * 43}"


def script_post(client: Client, campaign, data: dict):
    """One scripted POST: no page, no JavaScript, no waiting."""
    return client.post(reverse("sign", args=[campaign.slug]), data)
