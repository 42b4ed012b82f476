"""Django's own form errors keep Django's Chinese on the web pages: Django REST framework's zh-hans
catalogue (an installed app's, so it outranks Django's) words some of the same msgids otherwise
("该字段是必填项。" for "This field is required."). bin/translate puts Django's wording for each such
msgid in the project's catalogue, which outranks both; DRF keeps its own sentences for the rest."""

import gettext
from pathlib import Path

import django
import pytest
import rest_framework
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

MO = Path("locale") / "zh_Hans" / "LC_MESSAGES"


def _catalogue(package) -> gettext.GNUTranslations:
    base = Path(package.__file__).parent
    return gettext.translation(
        "django", localedir=base / ("conf/locale" if package is django else "locale"), languages=["zh_Hans"]
    )


DJANGO = _catalogue(django)
DRF = _catalogue(rest_framework)


def test_every_sentence_drf_shares_with_django_reads_as_djangos():
    shared = [m for m in DRF._catalog if isinstance(m, str) and m and m in DJANGO._catalog]
    assert "This field is required." in shared
    with translation.override("zh-hans"):
        wrong = {m: translation.gettext(m) for m in shared if translation.gettext(m) != DJANGO.gettext(m)}
    assert not wrong


def test_drf_keeps_its_own_sentences():
    with translation.override("zh-hans"):
        assert translation.gettext('"{input}" is not a valid choice.') == DRF.gettext(
            '"{input}" is not a valid choice.'
        )


def test_a_web_forms_required_choice_and_length_errors_are_djangos(client, demo):
    client.force_login(demo.user("s1_admin"))
    response = client.post(
        reverse("schools:staff-list"),
        {"create_account": "1", "new-name": "", "new-username": "x" * 151, "new-role": "astronaut"},
    )
    assert response.status_code == 200
    errors = response.context["create_form"].errors
    assert errors["name"] == [DJANGO.gettext("This field is required.")] == ["这个字段是必填项。"]
    assert errors["role"] == [
        DJANGO.gettext("Select a valid choice. %(value)s is not one of the available choices.")
        % {"value": "astronaut"}
    ]
    expected = DJANGO.ngettext(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        150,
    ) % {"limit_value": 150, "show_value": 151}
    assert errors["username"] == [expected]
    assert "这个字段是必填项。" in response.content.decode()
