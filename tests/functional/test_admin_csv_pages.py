"""CSV pages: product export download, receipts upload → preview → all-or-nothing apply."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from tests.helpers import column, csrf_token, totals

# The first bytes of a PNG: read as CP949 they even make a Hangul syllable, then control
# characters, which no CSV a spreadsheet writes contains.
PNG_START = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"


def _upload(client, text: str | bytes, filename: str = "receipts.csv", headers=None):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/admin/stock-import", data={
        "csrf_token": csrf_token(client, "/admin/stock-import"),
        "file": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data", headers=headers)


def _confirm(client, page: str):
    """Submit the preview's confirm form as a browser would: every hidden field it carries."""
    form = page.split('data-testid="confirm-form"', 1)[1].split("</form>", 1)[0]
    fields = {name: html.unescape(value) for name, value in re.findall(
        r'<input[^>]*name="([^"]+)" type="hidden" value="([^"]*)"', form)}
    assert "csv_text" in fields, "no confirm form"
    return client.post("/admin/stock-import/apply", data=fields)


def test_export_starts_with_a_bom_and_round_trips_as_an_import(admin_client, make_product,
                                                                db_snapshot):
    """Excel opens a UTF-8 CSV without the byte order mark in the system code page and
    garbles Hangul. The list an admin downloads, with quantity and reason columns added
    and saved again as Excel's "CSV UTF-8" (which keeps the mark), imports by name."""
    tea = make_product(name="제주 녹차", price=12_900, stock=4)
    cup = make_product(name="머그컵, 350ml", price=8_000, stock=0)
    response = admin_client.get("/admin/products.csv")
    data = response.get_data()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["name"], r["price"]) for r in rows] == [("제주 녹차", "12900"), ("머그컵, 350ml", "8000")]

    edited = io.StringIO()
    writer = csv.writer(edited, lineterminator="\r\n")
    writer.writerow(["name", "price", "quantity", "reason"])
    writer.writerows([[r["name"], r["price"], 6, "입고 4711"] for r in rows])
    before = db_snapshot()
    preview = _upload(admin_client, edited.getvalue().encode("utf-8-sig"))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Read as UTF-8" in page
    assert db_snapshot() == before
    assert _confirm(admin_client, page).status_code == 302
    assert column(db_snapshot(), "products", "stock") == {tea.id: 10, cup.id: 6}


def test_a_cp949_file_from_korean_excel_previews_and_applies(admin_client, make_product,
                                                              db_snapshot):
    tea = make_product(name="제주 녹차", stock=1)
    mug = make_product(name="머그컵", stock=0)
    text = "name,quantity,reason\r\n제주 녹차,5,입고 4711\r\n머그컵,2,재고 조사\r\n"
    before = db_snapshot()
    response = _upload(admin_client, text.encode("cp949"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Read as CP949 (Korean Excel)" in page and "제주 녹차" in page
    assert db_snapshot() == before
    assert _confirm(admin_client, page).status_code == 302
    state = db_snapshot()
    assert column(state, "products", "stock") == {tea.id: 6, mug.id: 2}
    assert sorted(row["reason"] for row in state["stock_movements"]
                  if row["kind"] == "receipt") == ["입고 4711 (CSV line 2)",
                                                   "재고 조사 (CSV line 3)"]
    # In Korean, the page says so in Korean.
    korean = _upload(admin_client, text.encode("cp949"), headers={"Accept-Language": "ko"})
    assert "CP949(한국어 엑셀)로 읽었어요" in korean.get_data(as_text=True)


def test_garbage_bytes_are_refused_and_change_nothing(admin_client, make_product, db_snapshot):
    make_product(name="제주 녹차", stock=1)
    before = db_snapshot()
    for data in (PNG_START, b"name,quantity,reason\n\xff\xfe\xfd,1,x\n",
                 "name,quantity,reason\n녹차,1,x\n".encode("utf-16-le")):
        response = _upload(admin_client, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "The file is neither UTF-8 nor CP949 text" in page
        assert 'data-testid="preview"' not in page and 'data-testid="confirm-form"' not in page
    assert db_snapshot() == before


def test_export_downloads_every_product(admin_client, make_product):
    make_product(name="Green tea", price=8000, stock=4)
    make_product(name="Hidden", price=1, stock=0, is_active=False)
    response = admin_client.get("/admin/products.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="products-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["name"], r["price"], r["stock"], r["is_active"]) for r in rows] == [
        ("Green tea", "8000", "4", "yes"), ("Hidden", "1", "0", "no")]


def test_upload_previews_then_apply_imports_every_row(admin_client, make_product, db_snapshot):
    a = make_product(name="Alpha", stock=1)
    b = make_product(name="Beta", stock=2)
    text = f"product_id,quantity,reason\n{a.id},5,delivery 1\n{b.id},7,delivery 1\n"
    before = db_snapshot()
    preview = _upload(admin_client, text)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert 'data-testid="preview"' in page and "2 rows, 12 units in all." in page
    assert db_snapshot() == before  # the preview changed nothing

    response = _confirm(admin_client, page)
    assert response.status_code == 302
    after = db_snapshot()
    assert column(after, "products", "stock") == {a.id: 6, b.id: 9}
    assert len(after["stock_movements"]) == len(before["stock_movements"]) + 2
    assert "Imported 2 rows: 12 units received." in admin_client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_a_file_with_one_bad_row_offers_no_import_and_names_the_row(admin_client, make_product,
                                                                    db_snapshot):
    a = make_product(name="Alpha", stock=1)
    before = db_snapshot()
    response = _upload(admin_client, f"product_id,quantity,reason\n{a.id},5,ok\n"
                                     f"{a.id},five,ok\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-testid="confirm-form"' not in page
    bad = page.split('data-line="3"', 1)[1].split("</tr>", 1)[0]
    assert "quantity &#39;five&#39; is not a whole number" in bad
    assert "1 of 2 rows have problems" in page
    assert db_snapshot() == before


def test_apply_checks_the_file_again_and_imports_nothing_when_a_row_is_bad(admin_client,
                                                                          make_product,
                                                                          db_snapshot):
    """A forged or outdated confirm form gets the same all-or-nothing rule."""
    a = make_product(name="Alpha", stock=1)
    before = db_snapshot()
    response = admin_client.post("/admin/stock-import/apply", data={
        "csrf_token": csrf_token(admin_client, "/admin/stock-import"),
        "csv_text": f"product_id,quantity,reason\n{a.id},5,ok\n424242,1,ok\n",
        "import_id": "5" * 32})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported. line 3: there is no product #424242" in page
    assert db_snapshot() == before


def test_file_problems(admin_client, db_snapshot):
    before = db_snapshot()
    response = _upload(admin_client, "naam,aantal\n1,2\n")
    assert response.status_code == 422
    assert "The first line must name the columns" in response.get_data(as_text=True)
    # Neither UTF-8 nor CP949: UTF-16 (Excel's "Unicode text") and a binary file.
    for data in ("name,quantity,reason\n녹차,1,x\n".encode("utf-16"), PNG_START):
        response = _upload(admin_client, data)
        assert response.status_code == 422
        assert "neither UTF-8 nor CP949" in response.get_data(as_text=True)
    response = admin_client.post("/admin/stock-import", data={
        "csrf_token": csrf_token(admin_client, "/admin/stock-import")})
    assert response.status_code == 422
    assert "Choose a CSV file." in response.get_data(as_text=True)
    response = admin_client.post("/admin/stock-import/apply", data={
        "csrf_token": csrf_token(admin_client, "/admin/stock-import")})
    assert response.status_code == 302
    assert db_snapshot() == before


@pytest.mark.slow
def test_a_file_at_the_size_limit_goes_through_preview_and_apply(admin_client, make_product,
                                                                 db_snapshot):
    """5,000 rows and close to 1 MB of UTF-8 survive the round trip through the confirm form."""
    products = [make_product(stock=0) for _ in range(5)]
    reason = "입고 " * 26  # 182 bytes of UTF-8
    lines = [f"{products[i % 5].id},{i % 7 + 1},{reason}" for i in range(5_000)]
    text = "product_id,quantity,reason\n" + "\n".join(lines) + "\n"
    assert 900_000 < len(text.encode()) <= 1_000_000
    page = _upload(admin_client, text).get_data(as_text=True)
    assert "5,000 rows" in page
    response = _confirm(admin_client, page)
    assert response.status_code == 302
    state = db_snapshot()
    assert len(state["stock_movements"]) == 5_000
    stock = column(state, "products", "stock")
    assert sum(stock.values()) == sum(i % 7 + 1 for i in range(5_000))
    assert stock == totals(state, "stock_movements", "delta", by="product_id")


def test_submitting_one_preview_twice_applies_it_once_and_shows_what_was_applied(
        admin_client, make_product, db_snapshot):
    """Back + resubmit, a double click or a retried request: +5 stays +5."""
    a = make_product(name="Alpha", stock=1)
    page = _upload(admin_client, f"product_id,quantity,reason\n{a.id},5,delivery 1\n"
                   ).get_data(as_text=True)
    first = _confirm(admin_client, page)
    assert first.status_code == 302
    after_first = db_snapshot()
    assert column(after_first, "products", "stock") == {a.id: 6}

    again = _confirm(admin_client, page)
    assert again.status_code == 302
    assert db_snapshot() == after_first
    assert again.headers["Location"] == first.headers["Location"]
    shown = admin_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "This preview was already imported (1 row, 5 units received)" in shown
    applied = shown.split('data-testid="applied"', 1)[1].split("</table>", 1)[0]
    assert "Alpha" in applied and "+5" in applied and "delivery 1 (CSV line 2)" in applied


def test_a_new_upload_of_the_same_file_is_a_new_import(admin_client, make_product,
                                                       db_snapshot):
    """Only a repeated *preview* is refused: the same delivery file uploaded again is new."""
    a = make_product(name="Alpha", stock=1)
    text = f"product_id,quantity,reason\n{a.id},5,delivery 1\n"
    for _ in range(2):
        assert _confirm(admin_client, _upload(admin_client, text).get_data(as_text=True)
                        ).status_code == 302
    assert column(db_snapshot(), "products", "stock") == {a.id: 11}


def test_the_sample_on_the_import_page_previews_without_errors(admin_client, make_product,
                                                               db_snapshot):
    for number in range(12):
        make_product(name=f"Tea {number}", stock=0)
    page = admin_client.get("/admin/stock-import").get_data(as_text=True)
    sample = html.unescape(re.search(r"<pre[^>]*>(.*?)</pre>", page, re.S).group(1))
    before = db_snapshot()
    preview = _upload(admin_client, sample)
    shown = preview.get_data(as_text=True)
    problems = re.findall(r'<td[^>]* class="text-danger[^"]*">([^<]+)</td>', shown)
    assert preview.status_code == 200, problems
    assert problems == [] and 'data-testid="confirm-form"' in shown
    assert _confirm(admin_client, shown).status_code == 302
    units_before = sum(column(before, "products", "stock").values())
    assert sum(column(db_snapshot(), "products", "stock").values()) == units_before + 45


@pytest.mark.parametrize("line, column", [
    ("{id},,5,deli\x00very", "reason"),
    (",Al\x00pha,5,delivery", "name"),
])
def test_a_nul_in_a_cell_is_refused_by_line_and_column(admin_client, make_product,
                                                       db_snapshot, line, column):
    a = make_product(name="Alpha", stock=1)
    text = f"product_id,name,quantity,reason\n{a.id},,1,fine\n" + line.format(id=a.id) + "\n"
    before = db_snapshot()
    preview = _upload(admin_client, text)
    assert preview.status_code == 422
    bad = preview.get_data(as_text=True).split('data-line="3"', 1)[1].split("</tr>", 1)[0]
    assert f"the {column} column contains a NUL character" in bad
    assert "\x00" not in preview.get_data(as_text=True)
    applied = admin_client.post("/admin/stock-import/apply", data={
        "csrf_token": csrf_token(admin_client, "/admin/stock-import"),
        "csv_text": text, "import_id": "5" * 32})
    # A refusal that names the NUL, not a 500 (the app's own check of form fields may
    # answer before the import's).
    assert applied.status_code == 422
    assert "NUL" in applied.get_data(as_text=True)
    assert db_snapshot() == before
