"""Workbook cells that stay text.

A CSV file has no cell types, so ``downloads.spreadsheet_safe`` puts an apostrophe before text
that a spreadsheet would run as a formula. A workbook can say what a cell holds: text goes in
as a string cell with the quote-prefix style, which Excel, LibreOffice and Sheets show exactly
as written (``=1+1``, ``+86 …``, ``-x``, ``@x``, no apostrophe) and never evaluate, not even
after someone edits the cell.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell


def xlsx_cell(sheet: Any, value: Any, number_format: str | None = None) -> Cell | Any:
    """What to append to ``sheet`` for ``value``: text as a text cell (without the control
    characters a workbook cannot hold), a value with ``number_format`` as a formatted cell,
    anything else (numbers, dates, None) as it is."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        # openpyxl reads a leading "=" as a formula; the type and the style say it is text.
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    if number_format is not None and value is not None:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        return cell
    return value
