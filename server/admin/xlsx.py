"""The registers as Excel workbooks that open nicely: a title, a bold frozen header with filters,
sensible widths, wrapped text, real date cells in Beijing time, and A4 landscape printing.

Written with XlsxWriter row by row. A file on disk (the background export of a province's
quarter) is written in `constant_memory` mode: each row goes to a temporary file as soon as it
is written, so memory stays flat however many rows there are; a small export is built in
memory and sent from the request.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter

from server.platform.clock import to_local
from server.platform.text import clean_text

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
HOURS_FORMAT = '0.0"小时"'
_BORDER = {"border": 1, "border_color": "#BBBBBB"}


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    wrap: bool = False
    number_format: str | None = None


def excel_time(value: datetime | None) -> datetime | None:
    """Excel has no time zones: write the Beijing wall-clock time."""
    local = to_local(value)
    return local.replace(tzinfo=None) if local else None


class SheetWriter:
    """One register sheet: `write()` rows in order, then `close()`."""

    def __init__(self, target: str | Path | io.BytesIO, sheet_title: str, title: str,
                 columns: list[Column]):  # fmt: skip
        on_disk = not isinstance(target, io.BytesIO)
        self.book = xlsxwriter.Workbook(
            str(target) if on_disk else target,
            {
                "constant_memory": on_disk,
                "in_memory": not on_disk,
                # What a citizen wrote is text: never a formula, never a link.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.columns = columns
        self.sheet = self.book.add_worksheet(clean_text(sheet_title)[:31])
        sheet = self.sheet
        title_format = self.book.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        sheet.set_row(0, 30)
        sheet.merge_range(0, 0, 0, len(columns) - 1, clean_text(title), title_format)
        header = self.book.add_format(
            {"bold": True, "bg_color": "#F2DCDB", "align": "center", "valign": "vcenter",
             "text_wrap": True, **_BORDER}
        )  # fmt: skip
        sheet.set_row(1, 24)
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
            sheet.write_string(1, index, clean_text(column.title), header)
        self.formats = [self._body(column, quote=False) for column in columns]
        self.quoted = [self._body(column, quote=True) for column in columns]
        self.rows = 0

    def _body(self, column: Column, quote: bool):
        return self.book.add_format(
            {
                "valign": "top",
                "text_wrap": column.wrap,
                "num_format": column.number_format or "General",
                "quote_prefix": quote,
                **_BORDER,
            }
        )

    def write(self, rows: Iterable[list]) -> None:
        sheet = self.sheet
        for values in rows:
            row = self.rows + 2
            for index, value in enumerate(values):
                style = self.formats[index]
                if value is None:
                    sheet.write_blank(row, index, None, style)
                elif isinstance(value, str):
                    # Rows stored before intake refused control characters and noncharacters
                    # must not break a whole export (U+FFFE/U+FFFF make a file Excel calls
                    # corrupt). Text starting with "=" keeps a quote prefix: text when edited.
                    text = clean_text(value)
                    quoted = text.startswith(("=", "+", "-", "@"))
                    sheet.write_string(row, index, text, self.quoted[index] if quoted else style)
                elif isinstance(value, datetime):
                    sheet.write_datetime(row, index, value, style)
                elif isinstance(value, bool):
                    sheet.write_boolean(row, index, value, style)
                else:
                    sheet.write_number(row, index, value, style)
            self.rows += 1

    def close(self) -> None:
        sheet = self.sheet
        sheet.freeze_panes(2, 0)  # title and header stay in view while scrolling
        sheet.autofilter(1, 0, self.rows + 1, len(self.columns) - 1)
        sheet.repeat_rows(0, 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        self.book.close()


def workbook(sheet_title: str, title: str, columns: list[Column], rows: list[list]) -> bytes:
    out = io.BytesIO()
    writer = SheetWriter(out, sheet_title, title, columns)
    writer.write(rows)
    writer.close()
    return out.getvalue()
