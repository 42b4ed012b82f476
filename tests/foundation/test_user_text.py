"""Requirement codes such as "(M2)", "H3" or "F12" belong to the code's comments, never to the
text people read: messages, labels, help texts, e-mails and pages (docs/design.md, "Code rules")."""

import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# M1–M4 (the Ministry's notice), H1–H4 (Henan's), F1… (the project's features); not "<h1>", "A4".
CODE = re.compile(r"(?<![A-Za-z0-9_./-])[MHF]\d{1,2}(?![A-Za-z0-9_])")
TEMPLATE_COMMENTS = re.compile(
    r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|<!--.*?-->", re.DOTALL
)


def codes_in(text: str) -> list[str]:
    return CODE.findall(text)


def test_the_pattern_finds_codes_and_nothing_else():
    assert codes_in("safety measures (M2).") == ["M2"]
    assert codes_in("（M3、H3）and F12") == ["M3", "H3", "F12"]
    assert codes_in("<h1>A4 纸 H264 M2M version 1.M2 ICAL_TOKEN_H1 HM1</h1>") == []


def test_no_msgid_or_translation_carries_a_requirement_code():
    found = []
    for entry in polib.pofile(str(CATALOGUE)):
        texts = [entry.msgid, entry.msgid_plural, entry.msgstr, *entry.msgstr_plural.values()]
        if any(codes_in(text or "") for text in texts):
            found.append(f"{entry.occurrences}: {entry.msgid!r} / {entry.msgstr!r}")
    assert not found, "take the code out of the text (keep it in a comment):\n" + "\n".join(found)


def blank(match: re.Match) -> str:
    """A comment gives way to its newlines, so that line numbers stay true."""
    return "\n" * match.group().count("\n")


def test_no_template_text_carries_a_requirement_code():
    found = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        text = TEMPLATE_COMMENTS.sub(blank, path.read_text(encoding="utf-8"))
        for number, line in enumerate(text.splitlines(), start=1):
            if codes_in(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "take the code out of the text (keep it in a comment):\n" + "\n".join(found)
