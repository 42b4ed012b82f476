"""F8 PDF reports render their Chinese: the text reads back (the embedded font maps every glyph to
its character) and page 1, rendered to an image, shows ink in the title area where each character
has its own shape (empty glyph boxes would all look alike)."""

import datetime
import io

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from django.utils import timezone

from oversight.models import GeneratedReport

pytestmark = pytest.mark.django_db


def _pdf(client, capture, user, scope, kind="monthly", period=None) -> bytes:
    month = f"{timezone.localdate().replace(day=1) - datetime.timedelta(days=1):%Y-%m}"
    client.force_login(user)
    with capture(execute=True):
        response = client.post(
            reverse("oversight:reports"),
            {"kind": kind, "scope": scope, "period": period or month, "format": "pdf"},
        )
    report = GeneratedReport.objects.get(code=response["Location"].rstrip("/").split("/")[-1])
    assert report.status == "done"
    response = client.get(reverse("oversight:report-download", kwargs={"report_code": report.code}))
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _text(document) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_pdf_reads_back_its_chinese_title_and_school_names(
    client, demo, django_capture_on_commit_callbacks
):
    data = _pdf(client, django_capture_on_commit_callbacks, demo.user("hn_bureau"), "region:41")
    document = pdfium.PdfDocument(data)
    first = document[0].get_textpage().get_text_range()
    assert "河南省课后服务月报" in first
    text = _text(document)
    for key in ("s1", "s2", "s3", "s4"):
        assert demo.school(key).name in text
    assert "巩义市" in text and "出勤率" in text


def test_page_one_renders_the_title_in_real_glyphs(client, demo, django_capture_on_commit_callbacks):
    data = _pdf(client, django_capture_on_commit_callbacks, demo.user("zz_bureau"), "region:4101")
    page = pdfium.PdfDocument(data)[0]
    scale = 3
    image = page.render(scale=scale).to_pil().convert("L")
    width, height = image.size
    title = image.crop((0, 0, width, int(height * 0.12)))
    dark = sum(1 for value in title.tobytes() if value < 128)
    assert dark > 500, "the title area is blank"
    # Each character of the title has its own shape: crop the first few and compare them.
    textpage = page.get_textpage()
    assert textpage.get_text_range(0, 7) == "郑州市课后服务"
    page_height = page.get_height()
    shapes = []
    for index in range(7):
        left, bottom, right, top = textpage.get_charbox(index)
        box = image.crop(
            (
                int(left * scale),
                int((page_height - top) * scale),
                int(right * scale),
                int((page_height - bottom) * scale),
            )
        ).resize((24, 24))
        ink = bytes(0 if value < 128 else 1 for value in box.tobytes())
        assert 0 < ink.count(0) < len(ink), f"character {index} is blank or a solid block"
        shapes.append(ink)
    assert len(set(shapes)) == len(shapes), "characters look alike: empty glyph boxes?"


def test_the_upward_summary_pdf_has_the_signature_block(client, demo, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    term = f"{today.year if today.month >= 9 else today.year - 1}-autumn"
    data = _pdf(
        client, django_capture_on_commit_callbacks, demo.user("gy_bureau"), "region:410181", "upward", term
    )
    text = _text(pdfium.PdfDocument(io.BytesIO(data)))
    assert "巩义市课后服务上报汇总表" in text
    assert demo.school("s3").name in text and "合计" in text
    for label in ("填报单位", "单位负责人", "填报人", "联系电话", "填报日期", "单位盖章"):
        assert label in text
