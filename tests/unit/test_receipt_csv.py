"""Reading a stock-receipt file, as far as it needs no database: decoding the upload and the
problems of the file as a whole (finding each row's product is tests/integration)."""

import pytest

from app.catalog.csv_io import decode_csv, preview_receipts
from app.errors import InvalidInput

TEXT = "name,quantity,reason\r\n제주 녹차,1,입고 (뷁)\r\n"


@pytest.fixture(autouse=True)
def words(app):
    """Refusals are sentences in the request's language (English here)."""
    with app.test_request_context():
        yield


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode(), "utf-8"),
    ("\ufeff".encode() + TEXT.encode(), "utf-8"),  # Excel's "CSV UTF-8" starts with a BOM
    (TEXT.encode("cp949"), "cp949"),               # Excel's "CSV" in Korea
    (b"product_id,quantity,reason\n1,2,x\n", "utf-8"),  # ASCII is both: UTF-8 it is
])
def test_decoding_reads_utf8_with_or_without_a_bom_then_cp949(data, encoding):
    decoded = decode_csv(data)
    assert decoded.encoding == encoding
    assert decoded.text == data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    assert not decoded.text.startswith("\ufeff")


@pytest.mark.parametrize("data", [
    TEXT.encode("utf-16"),                       # Excel's "Unicode text"
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",       # a picture: CP949 would take its first bytes
    b"name,quantity,reason\n\xff\xfe,1,x\n",        # bytes neither encoding has
    "name,quantity,reason\ncaf\xe9,1,x\n".encode("latin-1"),
])
def test_anything_else_is_refused_with_what_to_do(data):
    with pytest.raises(InvalidInput, match="neither UTF-8 nor CP949") as caught:
        decode_csv(data)
    assert caught.value.field == "file"


def test_a_file_over_the_limit_is_refused_before_decoding():
    with pytest.raises(InvalidInput, match="larger than 1,000 kB"):
        decode_csv(b"x" * 1_000_001)


@pytest.mark.parametrize("text, error", [
    ("", "The file is empty."),
    ("product_id,quantity\n1,2\n", "The first line must name the columns"),
    ("sku,quantity,reason\n1,2,x\n", "The first line must name the columns"),
    ("product_id,quantity,reason\n\n\n", "The file has no rows to import."),
    ("product_id,quantity,reason\n" + "1,1,x\n" * 5_001, "A file has at most 5,000 rows"),
    ("product_id,quantity,reason\n" + "1,1," + "x" * 1_000_000 + "\n", "The file is larger"),
])
def test_file_level_problems_refuse_the_whole_file(text, error):
    preview = preview_receipts(text)
    assert not preview.ok
    assert len(preview.file_errors) == 1
    assert preview.file_errors[0].startswith(error)
