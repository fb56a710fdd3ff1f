"""The registers as Excel workbooks that open nicely: a title, a bold frozen header with filters,
sensible widths, wrapped text, real date cells in Beijing time, and A4 landscape printing."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from server.platform.clock import to_local
from server.platform.text import clean_text

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
HOURS_FORMAT = '0.0"小时"'
_THIN = Side(style="thin", color="BBBBBB")


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


def _body_style(book: Workbook, column: Column) -> str:
    """One named style per kind of column: per-cell style objects cost openpyxl ~3 ms a row."""
    name = f"lz-{int(column.wrap)}-{column.number_format or 'General'}"
    if name not in book.named_styles:
        style = NamedStyle(name=name, number_format=column.number_format or "General")
        style.alignment = Alignment(vertical="top", wrap_text=column.wrap)
        style.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
        book.add_named_style(style)
    return name


def _cell_value(value):
    """Text as a workbook can hold it. Intake refuses control characters and noncharacters, but
    rows stored before it did (or typed in some other way) must not break a whole export:
    openpyxl raises on C0 controls and U+FFFE/U+FFFF make a file Excel calls corrupt."""
    return clean_text(value) if isinstance(value, str) else value


def workbook(sheet_title: str, title: str, columns: list[Column], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = clean_text(sheet_title)
    sheet.append([clean_text(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30

    sheet.append([clean_text(c.title) for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[2].height = 24

    styles = [_body_style(book, column) for column in columns]
    for row, values in enumerate(rows, start=3):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index, value=_cell_value(value))
            cell.style = styles[index - 1]
            if cell.data_type == "f":
                # openpyxl takes any text starting with "=" for a formula: what a citizen wrote
                # (=HYPERLINK(...)) would be live in the clerk's Excel. It is text; the quote
                # prefix keeps it text when someone edits the cell.
                cell.data_type = "s"
                cell.quotePrefix = True

    last = get_column_letter(len(columns))
    sheet.freeze_panes = "A3"  # title and header stay in view while scrolling
    sheet.auto_filter.ref = f"A2:{last}{len(rows) + 2}"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
