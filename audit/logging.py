"""A logging filter that masks mainland mobile numbers, ID numbers and 全国学籍号 in every log line,
its traceback and its stack (PIPL: no personal data in logs). It is installed on every handler in
settings.LOGGING.

Database errors are the usual carrier: PostgreSQL's "Key (mobile)=(13900000001) already exists."
sits in the exception text, so the traceback is formatted and masked here, before any formatter
writes it. Numbers are matched however they were typed: +86 / 0086 / 86- prefixes, spaces or dashes
between the groups, and full-width digits (as Chinese keyboards type them)."""

import logging
import re

D = "[0-9０-９]"  # a digit, ASCII or full-width
X = "[0-9０-９XxＸｘ]"  # the last character of an ID number
SEP = r"[ \-\u3000－]?"  # a space, dash, ideographic space or full-width dash between groups

MOBILE = re.compile(
    rf"(?<![0-9０-９])(?P<prefix>(?:(?:[+＋]|00|００)?[8８][6６]{SEP})?)"
    rf"(?P<head>[1１][3-9３-９]{D}){SEP}{D}{{4}}{SEP}(?P<tail>{D}{{4}})(?![0-9０-９])"
)
# 18-character ID numbers, also inside 全国学籍号 (G + the ID number).
ID_NUMBER = re.compile(rf"(?<![0-9０-９])(?P<head>{D}{{6}}){D}{{8}}(?P<tail>{D}{{3}}{X})(?![0-9０-９XxＸｘ])")
# Other 全国学籍号 shapes: a letter and 12 to 19 more digits (L + a date and a serial, …).
STUDENT_NUMBER = re.compile(
    rf"(?<![0-9A-Za-z０-９])[A-Za-zＡ-Ｚａ-ｚ]{D}{{8,15}}(?P<tail>{D}{{3}}{X})(?![0-9A-Za-z０-９])"
)
# F13: URL tokens (the calendar feed's ?token=) are credentials: never in a log line.
URL_TOKEN = re.compile(r"(?<=token=)[^&\s\"'<>]+")


def mask(text: str) -> str:
    text = URL_TOKEN.sub("***", text)
    text = ID_NUMBER.sub(lambda m: "*" * 14 + m.group("tail"), text)
    text = STUDENT_NUMBER.sub(lambda m: m.group(0)[0] + "*" * (len(m.group(0)) - 5) + m.group("tail"), text)
    return MOBILE.sub(lambda m: f"{m.group('prefix')}{m.group('head')}****{m.group('tail')}", text)


def contains_personal_data(text: str) -> bool:
    return bool(MOBILE.search(text) or ID_NUMBER.search(text) or STUDENT_NUMBER.search(text))


class MaskPersonalData(logging.Filter):
    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatter.format uses exc_text when it is set, so the handler writes this masked text
            # instead of formatting the exception (and its database error) itself.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
