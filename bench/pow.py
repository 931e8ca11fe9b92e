"""What the proof of work costs: a script per signature, and a person in a
real browser, at rest and at the surge's cap (undersigned/abuse/checks.py).

    UNDERSIGNED_DEMO=1 python bench/pow.py [--puzzles 200] [--browser-puzzles 12]

- The script: `challenge.solve`, the Python a bot would run (hashlib's C
  SHA-256 in a Python loop, one core), on fresh puzzles of each difficulty.
- The person: Debian's Chromium through Playwright opens a page served on
  loopback with the real `pow.js` and a puzzle, and the time from the page
  loading to the form's `pow` field filled is read in the page itself.

Prints a JSON object (times in milliseconds) and writes it to
bench/results/pow-<date>.json. Timings vary with the machine and its load:
nothing here is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import html
import json
import os
import statistics
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

from undersigned.abuse import challenge  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POW_JS = ROOT / "undersigned" / "static" / "undersigned" / "pow.js"
RESULTS = Path(__file__).resolve().parent / "results"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-background-networking"]

PAGE = """<!doctype html><html><body>
<form method="post" action="/nowhere">
<input type="hidden" name="pow" value="" data-pow data-algorithm="{algorithm}"
 data-challenge="{challenge}" data-salt="{salt}" data-signature="{signature}"
 data-maxnumber="{maxnumber}">
<p data-pow-status hidden data-pow-done="done">checking</p>
<button type="submit">Sign</button></form>
<script>window.started = performance.now();</script>
<script src="/pow.js"></script>
</body></html>"""


def summary(times: list[float]) -> dict:
    return {
        "n": len(times),
        "median_ms": round(statistics.median(times), 1),
        "mean_ms": round(statistics.fmean(times), 1),
        "p90_ms": round(sorted(times)[int(0.9 * (len(times) - 1))], 1),
        "max_ms": round(max(times), 1),
    }


def script_cost(maxnumber: int, puzzles: int) -> dict:
    times = []
    for _ in range(puzzles):
        puzzle = challenge.issue(maxnumber)
        start = time.perf_counter()
        challenge.solve(puzzle)
        times.append(1000 * (time.perf_counter() - start))
    result = summary(times)
    result["signatures_per_minute_per_core"] = round(60_000 / statistics.fmean(times))
    return result


def browser_cost(maxnumber: int, puzzles: int) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pow.js").write_bytes(POW_JS.read_bytes())
        for n in range(puzzles):
            puzzle = {k: html.escape(str(v)) for k, v in challenge.issue(maxnumber).items()}
            (Path(folder) / f"{n}.html").write_text(PAGE.format(**puzzle))
        handler = functools.partial(QuietHandler, directory=folder)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        times = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                page = browser.new_page()
                for n in range(puzzles):
                    page.goto(f"http://127.0.0.1:{server.server_port}/{n}.html")
                    page.wait_for_function(
                        "document.querySelector('input[data-pow]').value !== ''",
                        timeout=600_000,
                    )
                    times.append(page.evaluate("performance.now() - window.started"))
                version = browser.version
                browser.close()
        finally:
            server.shutdown()
    return {**summary(times), "chromium": version}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--puzzles", type=int, default=200)
    parser.add_argument("--browser-puzzles", type=int, default=12)
    options = parser.parse_args()
    at_rest = settings.POW_MAX_NUMBER
    at_cap = round(at_rest * settings.POW_MAX_FACTOR)
    results = {
        "machine": {"cpus": os.cpu_count()},
        "settings": {
            "POW_MAX_NUMBER": at_rest,
            "POW_SURGE_PER_MINUTE": settings.POW_SURGE_PER_MINUTE,
            "POW_MAX_FACTOR": settings.POW_MAX_FACTOR,
        },
        "script_per_signature": {
            "at_rest": script_cost(at_rest, options.puzzles),
            "at_surge_cap": script_cost(at_cap, max(20, options.puzzles // 4)),
        },
        "browser_per_signature": {
            "at_rest": browser_cost(at_rest, options.browser_puzzles),
            "at_surge_cap": browser_cost(at_cap, max(4, options.browser_puzzles // 2)),
        },
    }
    text = json.dumps(results, indent=2)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"pow-{datetime.date.today().isoformat()}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
