"""The free guarantee (H3: 坚持课后免费服务; M5: 严禁以课后服务名义乱收费): no parent-facing fee, price,
payment or invoice exists anywhere, and the notice to parents states that the service is free.

The crawl starts at the parent's home and follows every same-site link and GET form, in Chinese and
in English. Statements *against* charging are allowed and removed before matching: the fixed free
statement of the notice, the complaint kind "charging in the name of the service", and the family's
own reports to the bureau (their words and the bureau's reply)."""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from enrollment.models import FREE_STATEMENT
from subsidies.models import Complaint

pytestmark = pytest.mark.django_db

CHINESE_WORDS = ["费用", "收费", "价格", "缴费", "支付", "付款", "发票", "元/", "¥", "￥", "学费", "报名费"]
AMOUNT_IN_YUAN = re.compile(r"\d+(?:\.\d+)?\s*元")
ENGLISH_WORDS = re.compile(
    r"\b(fees?|prices?|pricing|payments?|pay|paid|paying|invoices?|tuition|cost)\b", re.I
)
FIELD_NAMES = re.compile(r"(amount|price|fee|pay|invoice|cost|charge|money|yuan)", re.I)
LINK_WORDS = re.compile(r"(pay|fee|price|invoice|checkout|billing|/subsidies/(?!complaints/))", re.I)
# Public codes in paths are random UUIDs: "…6639dfee…" is no fee. They are left out of the link check.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
SKIP = ("/static/", "/admin/", "/media/")
MAX_PAGES = 400
MAX_PER_PATH = 4  # ?week=… and ?month=… links go on for ever
# Attributes whose words a parent reads (tooltips, screen-reader labels, hints in empty fields):
# scanned for fee words like the visible text.
READ_ATTRIBUTES = ("title", "aria-label", "placeholder")


class Page(HTMLParser):
    """Visible text, links, GET forms (with their default values) and every field name of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.links, self.forms, self.fields = [], [], [], []
        self._skip = 0
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for key in READ_ATTRIBUTES:
            if a.get(key):
                self.text.append(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "data": {},
            }
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea", "button") and a.get("name"):
            self.fields.append(a["name"])
            if tag == "input" and a.get("type") not in ("submit", "button", "checkbox", "radio", "file"):
                self._value(a["name"], a.get("value", ""))
            elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a:
                self._value(a["name"], a.get("value", "on"))
            elif tag == "select":
                self._select = a["name"]
        if tag == "option" and self._select:
            if self._form is not None and (self._select not in self._form["data"] or "selected" in a):
                self._form["data"][self._select] = a.get("value", "")
        if tag in ("input", "button") and a.get("value") and a.get("type") in ("submit", "button"):
            self.text.append(a["value"])

    def _value(self, name, value):
        if self._form is not None:
            self._form["data"].setdefault(name, value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(self._skip - 1, 0)
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data)


def allowed_phrases(user) -> list[str]:
    own = Complaint.objects.filter(guardian__user=user)
    phrases = [FREE_STATEMENT, str(Complaint.Kind.CHARGING.label)]
    for complaint in own:
        phrases += [complaint.description, complaint.reply]
    return sorted({p for p in phrases if p}, key=len, reverse=True)


def problems_in(text: str, allowed: list[str]) -> list[str]:
    for phrase in allowed:
        text = text.replace(phrase, " ")
    found = [w for w in CHINESE_WORDS if w in text]
    found += AMOUNT_IN_YUAN.findall(text)
    found += [m.group(0) for m in ENGLISH_WORDS.finditer(text)]
    return found


def crawl(client: Client, user, language: str) -> tuple[dict, list[str]]:
    """Every page reachable from home: {url: status}, and every problem found."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        allowed = allowed_phrases(user)
    seen, per_path, problems = {}, {}, []
    queue = deque([reverse("home")])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        if url in seen or parts.netloc not in ("", "testserver") or parts.path.startswith(SKIP):
            continue
        if per_path.get(parts.path, 0) >= MAX_PER_PATH:
            continue
        per_path[parts.path] = per_path.get(parts.path, 0) + 1
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(("text/", "application/json")):
            problems.append(f"{url}: a {content_type} download")
            continue
        body = response.content.decode()
        if not content_type.startswith("text/html"):
            problems += [f"{url}: {p}" for p in problems_in(body, allowed)]
            continue
        page = Page()
        page.feed(body)
        problems += [f"{url}: {p!r}" for p in problems_in(" ".join(page.text), allowed)]
        problems += [
            f"{url}: field {n!r}" for n in page.fields if FIELD_NAMES.search(n) and n != "csrfmiddlewaretoken"
        ]
        for href in page.links:
            if href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            target = urljoin(url, href).split("#")[0]
            if LINK_WORDS.search(UUID.sub("", urlsplit(target).path)):
                problems.append(f"{url}: link to {target}")
            queue.append(target)
        for form in page.forms:
            if form["method"] == "get":
                action = urljoin(url, form["action"]) if form["action"] else url.split("?")[0]
                queue.append(f"{action}?{urlencode(form['data'])}" if form["data"] else action)
    return seen, problems


@pytest.mark.parametrize("username", ["s1_parent", "s2_parent"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_a_parent_can_reach_shows_a_fee_price_or_payment(client, demo, username, language):
    user = demo.user(username)
    client.force_login(user)
    seen, problems = crawl(client, user, language)
    reached = {urlsplit(u).path for u in seen}
    # The crawl really walked the parent's portal, including the report pages.
    assert len(reached) > 8, sorted(reached)
    assert reverse("subsidies:complaint-new") in reached and reverse("enrollment:family") in reached
    assert 500 not in seen.values(), [u for u, s in seen.items() if s == 500]
    assert not problems, "\n".join(problems[:40])


def test_the_crawl_would_notice_a_fee(demo):
    """The matcher is not blind: it flags the words, amounts and fields it is meant to flag."""
    assert problems_in("本学期课后服务费用 300 元，请缴费", []) == ["费用", "缴费", "300 元"]
    assert problems_in("Please pay the service fee", []) == ["pay", "fee"]
    assert problems_in(FREE_STATEMENT, [FREE_STATEMENT]) == []
    assert problems_in("学校不收取任何费用", [FREE_STATEMENT]) == [
        "费用"
    ]  # only the whole statement is allowed
    assert FIELD_NAMES.search("amount") and not FIELD_NAMES.search("description")


def test_the_notice_to_parents_states_that_the_service_is_free(client, demo):
    client.force_login(demo.user("s1_parent"))
    page = client.get(reverse("enrollment:family")).content.decode()
    assert FREE_STATEMENT in page and "不收取任何费用" in page


PARENT_FACING_APPS = {"schools", "notices", "activities", "enrollment", "safety"}


def test_no_parent_facing_model_has_a_fee_price_or_payment_field():
    offenders = [
        f"{model._meta.label}.{f.name}"
        for model in apps.get_models()
        if model._meta.app_label in PARENT_FACING_APPS
        for f in model._meta.get_fields()
        if re.search(r"(fee|price|payment|invoice|amount|cost|tuition)", f.name, re.I)
    ]
    assert not offenders, offenders
