"""Checks on rendered enrollment pages."""

import re


def assert_every_post_form_has_a_csrf_token(page: str) -> None:
    """The test client skips CSRF checks; a browser does not. Every POST form carries its token."""
    forms = re.findall(r"<form\b[^>]*>.*?</form>", page, re.S | re.I)
    posting = [f for f in forms if re.search(r'method="post"', f, re.I)]
    assert posting, "no POST form on the page"
    for form in posting:
        assert 'name="csrfmiddlewaretoken"' in form, form[:300]
