"""Open data downloads in CSV, JSON, XLSX and Parquet, written while the records stream out of
the exchange's record store: each format is a generator of byte chunks, so a table is never held
in memory whole and the first bytes leave before the last record is read.

Columns are the released data items of the resource (deidentify.Column): CSV and XLSX head them
with the items' names (the people who open them in a spreadsheet read Chinese), JSON and Parquet
with their identifiers. XLSX is written as a stream too: a zip whose entries carry data
descriptors, so nothing is seeked back to.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from itertools import islice
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.parquet as pq

from govshare.catalog.models import DataType

CHUNK_ROWS = 2000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


def _chunks(rows: Iterable[list]) -> Iterator[list[list]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


def csv_stream(columns, rows) -> Iterator[bytes]:
    """UTF-8 with a byte order mark, which spreadsheet programs need to read Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in columns])
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()
    for chunk in _chunks(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([["" if v is None else v for v in row] for row in chunk])
        yield buffer.getvalue().encode()


def json_stream(columns, rows) -> Iterator[bytes]:
    """One JSON array of objects keyed by the items' identifiers."""
    names = [c.identifier for c in columns]
    yield b"["
    first = True
    for chunk in _chunks(rows):
        text = ",".join(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False)
                        for row in chunk)
        yield (("\n" if first else ",\n") + text).encode()
        first = False
    yield b"\n]\n"


class _Drain(io.RawIOBase):
    """A write-only file whose bytes are taken away after each chunk is written."""

    def __init__(self):
        self.parts: list[bytes] = []

    def writable(self):
        return True

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


_NUMERIC = (DataType.INTEGER, DataType.DECIMAL)
_ARROW = {DataType.INTEGER: pa.int64(), DataType.DECIMAL: pa.float64(),
          DataType.BOOLEAN: pa.bool_()}


def _arrow_type(column):
    """The item's own type when its values are released as they are; text otherwise."""
    return pa.string() if column.transformed else _ARROW.get(column.data_type, pa.string())


def _arrow_values(values, type_):
    if pa.types.is_string(type_):
        return [None if v is None else str(v) for v in values]
    return values


def parquet_stream(columns, rows) -> Iterator[bytes]:
    schema = pa.schema([pa.field(c.identifier, _arrow_type(c)) for c in columns])
    sink = _Drain()
    with pq.ParquetWriter(sink, schema) as writer:
        for chunk in _chunks(rows):
            arrays = [pa.array(_arrow_values([row[i] for row in chunk], field.type), field.type)
                      for i, field in enumerate(schema)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            yield sink.take()
    yield sink.take()


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def _cell(value, numeric):
    if value is None:
        return "<c/>"
    if numeric and isinstance(value, int | float) and not isinstance(value, bool):
        return f"<c><v>{value}</v></c>"
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _xlsx_row(values, numeric):
    return "<row>" + "".join(_cell(v, n) for v, n in zip(values, numeric, strict=True)) + "</row>"


def xlsx_stream(columns, rows) -> Iterator[bytes]:
    """A one-sheet workbook with inline strings (no shared string table to hold in memory)."""
    numeric = [not c.transformed and c.data_type in _NUMERIC for c in columns]
    sink = _Drain()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData>"
                + _xlsx_row([c.name for c in columns], [False] * len(columns)).encode())
            yield sink.take()
            for chunk in _chunks(rows):
                sheet.write("".join(_xlsx_row(row, numeric) for row in chunk).encode())
                yield sink.take()
            sheet.write(b"</sheetData></worksheet>")
    yield sink.take()


WRITERS = {"csv": csv_stream, "json": json_stream, "xlsx": xlsx_stream,
           "parquet": parquet_stream}
