"""What crosses the wire: push bodies go zstd once the server's answer says it takes zstd, pull pages come zstd
to a phone that accepts it, gzip to one that accepts only gzip, and the records are the same either way."""
from __future__ import annotations

import gzip
import json

import pytest
import zstandard

from tests.sync.device_kit import Cloud, Phone


@pytest.fixture
def cloud():
    made = Cloud(coordinators=1)
    yield made
    made.close()


def test_push_bodies_turn_zstd_after_the_first_answer_and_carry_the_same_changes(cloud, tmp_path):
    phone = Phone(cloud, "coord_a1", tmp_path / "phone")
    phone.sync()
    household = phone.store.all_rows("household")[0]["id"]
    for index in range(3):  # three edits, three outbox entries
        phone.store.save("household", {"notes": f"第{index}次走访"}, row_id=household, now=phone.now())
    phone.transport.encodings.clear()
    phone.transport.pushes.clear()
    phone.sync(push_batch=1)  # three pushes in one sync
    assert phone.transport.encodings == ["gzip", "zstd", "zstd"]  # the first answer names zstd (RFC 7694)
    sent = [json.loads(body)["changes"][0]["fields"]["notes"] for body in phone.transport.pushes]
    assert sent == ["第0次走访", "第1次走访", "第2次走访"]
    assert cloud.row("household", household)["notes"] == "第2次走访"
    assert phone.store.pending_count() == 0
    phone.close()


def test_a_push_answer_comes_compressed_without_default_fields_and_the_phone_reads_it_whole(cloud, tmp_path):
    phone = Phone(cloud, "coord_a1", tmp_path / "phone")
    phone.sync()
    households = [row["id"] for row in phone.store.all_rows("household")]
    for index in range(60):  # answers of 60 changes: about 5 kB of JSON
        phone.store.save("household", {"notes": f"第{index}次走访"}, row_id=households[index % len(households)],
                         now=phone.now())
    phone.transport.answers.clear()
    phone.sync()
    encoding, size = phone.transport.answers[0]
    assert encoding in ("zstd", "gzip") and size < 1500, phone.transport.answers
    assert phone.store.pending_count() == 0
    kept = {row["id"]: row["version"] for row in phone.store.all_rows("household")}
    assert all(kept[h] == cloud.row("household", h)["version"] for h in households)  # versions from the answers
    phone.close()


def test_a_pull_page_comes_zstd_to_a_phone_that_takes_it_and_gzip_to_one_that_does_not(cloud):
    import httpx

    login = cloud.login("coord_a1")
    pages = {}
    with httpx.Client(transport=cloud.transport, base_url="http://doorstep.test") as client:
        for accepted in ("zstd, gzip", "gzip", "zstd;q=0, gzip"):
            response = client.get("/api/v1/sync/pull?cursor=0&limit=200", headers={
                "Authorization": f"Bearer {login['token']}", "Accept-Encoding": accepted})
            assert response.status_code == 200
            raw = response.read()  # httpx inflates: compare what came in each coding
            pages[accepted] = (response.headers.get("content-encoding"), json.loads(raw)["rows"])
            assert "zstd" in response.headers["accept-encoding"]  # what a request body may use
    assert [pages[a][0] for a in pages] == ["zstd", "gzip", "gzip"]
    rows = pages["gzip"][1]
    assert rows and pages["zstd, gzip"][1] == rows == pages["zstd;q=0, gzip"][1]


def test_the_zstd_and_gzip_forms_of_a_page_are_what_the_helpers_read(cloud):
    body = json.dumps({"rows": [], "note": "走访"}, ensure_ascii=False).encode()
    from shared.compression import InflateProblem, zstd_compress, zstd_inflate

    packed = zstd_compress(body)
    assert zstd_inflate(packed, len(body)) == body
    assert gzip.decompress(gzip.compress(body)) == zstandard.ZstdDecompressor().decompress(packed)
    with pytest.raises(InflateProblem) as problem:
        zstd_inflate(packed, len(body) - 1)
    assert problem.value.reason == "too large"


def test_a_batch_ends_where_its_json_would_pass_the_byte_limit_and_the_rest_goes_next(cloud, tmp_path, monkeypatch):
    from mobile.sync import engine as sync_engine

    phone = Phone(cloud, "coord_a1", tmp_path / "phone")
    phone.sync()
    household = phone.store.all_rows("household")[0]["id"]
    notes = [f"第{index}次走访：" + "情况说明" * 150 for index in range(5)]  # about 1.8 kB of JSON each
    for text in notes:
        phone.store.save("household", {"notes": text}, row_id=household, now=phone.now())
    sizes = [size for _change, size in phone.store.outbox_sized(10)]
    fits = sizes[0] * 3 // 4 + sizes[1] * 3 // 4  # two changes' JSON fit, a third would not
    monkeypatch.setattr(sync_engine, "MAX_PUSH_BYTES", fits)
    assert [c["fields"]["notes"] for c, _s in phone.store.outbox_sized(10, max_bytes=fits)] == notes[:2]
    assert len(phone.store.outbox_sized(10, max_bytes=1)) == 1  # at least one, however large
    phone.transport.pushes.clear()
    phone.sync()
    batches = [[c["fields"]["notes"] for c in json.loads(body)["changes"]] for body in phone.transport.pushes]
    expected, size = [[]], 0
    for text, sealed in zip(notes, sizes, strict=True):  # greedy, as the rule says
        if expected[-1] and size + sealed * 3 // 4 > fits:
            expected.append([])
            size = 0
        expected[-1].append(text)
        size += sealed * 3 // 4
    assert batches == expected and len(batches) >= 3 and batches[0] == notes[:2]
    assert cloud.row("household", household)["notes"] == notes[-1] and phone.store.pending_count() == 0
    phone.close()
