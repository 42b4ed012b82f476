"""F19: the portal as deployed, gunicorn behind Debian's nginx (deploy/nginx/afterschool.conf) with a
self-signed certificate. Chromium signs in over HTTPS through the proxy; the login is recorded with
the browser's address, not the proxy's; HSTS, CSP and Secure cookies arrive as in production; plain
HTTP is sent to HTTPS; static files come from nginx; a roster of several megabytes goes up and is
imported, and a generated report comes down, all through the proxy."""

import http.client
import io
import re

import pytest
from axes.models import AccessLog
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import expect

from schools.models import Student
from tests.support import nginx
from tests.support.roster_files import padded_xlsx, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BROWSER_ADDRESS = "127.0.0.1"


@pytest.fixture
def deployed(collected_static, tmp_path):
    """gunicorn on the test database and nginx in front of it, over https://127.0.0.1:<port>."""
    https_port = nginx.free_port()
    origin = f"https://127.0.0.1:{https_port}"
    with nginx.Portal(tmp_path / "portal", static_root=collected_static, origins=origin) as portal:
        with nginx.Proxy(
            tmp_path / "nginx", upstream=portal.upstream, static_root=collected_static, https_port=https_port
        ) as proxy:
            yield portal, proxy


def sign_in(browser, origin: str, username: str):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="zh-CN",
        ignore_https_errors=True,
        accept_downloads=True,
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    login = page.goto(origin + "/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()
    return context, page, login


def test_signing_in_uploading_and_downloading_through_nginx_over_https(browser, demo, deployed):
    portal, proxy = deployed

    # Plain HTTP answers with a permanent redirect to the same path over HTTPS.
    plain = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    plain.request("GET", "/accounts/login/?next=/school/")
    answer = plain.getresponse()
    assert answer.status == 301
    assert answer.getheader("Location") == proxy.origin + "/accounts/login/?next=/school/"

    context, page, login = sign_in(browser, proxy.origin, "s1_admin")
    assert page.url.startswith(proxy.origin)
    assert "max-age=31536000" in login.headers["strict-transport-security"]
    assert "default-src 'self'" in login.headers["content-security-policy"]
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]
    assert cookies["csrftoken"]["secure"]

    # The portal records the browser's address; gunicorn only ever saw the proxy's (its probe aside).
    assert AccessLog.objects.filter(username="s1_admin").latest("attempt_time").ip_address == BROWSER_ADDRESS
    requests = [line for line in portal.access_log.read_text().splitlines() if "/healthz " not in line]
    assert requests and {line.split()[0] for line in requests} == {nginx.PROXY_ADDRESS}

    # Static files come from nginx (collectstatic's folder), cached for a year.
    stylesheet = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    static = page.request.get(proxy.origin + stylesheet)
    assert static.ok and "immutable" in static.headers["cache-control"]
    assert stylesheet not in portal.access_log.read_text()

    # A roster of several megabytes passes the proxy's body limit and is imported.
    upload = padded_xlsx([row(1), row(2), row(3)], 4 * 1024 * 1024)
    assert len(upload) > 4_000_000
    page.goto(proxy.origin + "/school/roster/import/")
    page.get_by_label("花名册文件（.xlsx、.xls 或 .csv）").set_input_files(
        {"name": "花名册.xlsx", "mimeType": XLSX, "buffer": upload}
    )
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("#preview-ok")).to_contain_text("已检查 3 行")
    page.get_by_role("button", name="导入这些学生").click()
    expect(page.get_by_role("alert").first).to_contain_text("成功导入 3 名学生")
    assert Student.objects.filter(student_number__startswith="G410103").count() == 3
    context.close()

    # A bureau officer asks for a report (generated in the request here: no worker) and downloads it.
    context, page, _login = sign_in(browser, proxy.origin, "zz_bureau")
    page.locator("#nav-reports").click()
    page.get_by_label("报表").select_option("monthly")
    page.get_by_label("区域或学校").select_option(label="郑州市")
    period = page.get_by_label("月份或学期")
    period.select_option(period.locator("optgroup").first.locator("option").first.get_attribute("value"))
    page.get_by_label("格式").select_option("xlsx")
    page.get_by_role("button", name="生成报表").click()
    download_link = page.locator("#report-status").get_by_role("link", name="下载")
    expect(download_link).to_be_visible()
    with page.expect_download() as info:
        download_link.click()
    data = open(info.value.path(), "rb").read()
    names = {r[0] for r in load_workbook(io.BytesIO(data))["学校"].iter_rows(min_row=2, values_only=True)}
    assert names == {demo.school(k).name for k in ("s1", "s2", "s4")}
    context.close()
