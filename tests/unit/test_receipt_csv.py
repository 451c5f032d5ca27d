"""Reading a stock-receipt file, as far as it needs no database: decoding the upload and the
problems of the file as a whole (finding each row's product is tests/integration)."""

import pytest

from app.catalog.csv_io import decode_csv, preview_receipts
from app.errors import InvalidInput


def test_decoding_accepts_utf8_with_a_bom_and_refuses_the_rest():
    assert decode_csv("\ufeffname,quantity,reason\n녹차,1,입고\n".encode()) == (
        "name,quantity,reason\n녹차,1,입고\n")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        decode_csv("name\n녹차".encode("euc-kr"))
    with pytest.raises(InvalidInput, match="larger than"):
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
