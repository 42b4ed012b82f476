"""A logging filter that masks mainland mobile numbers and ID numbers in every log line (PIPL:
no personal data in logs). It is installed on every handler in settings.LOGGING."""

import logging
import re

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# 18-character ID numbers, also inside 全国学籍号 (G + the ID number).
ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")
# F13: URL tokens (the calendar feed's ?token=) are credentials: never in a log line.
URL_TOKEN = re.compile(r"(?<=token=)[^&\s\"'<>]+")


def mask(text: str) -> str:
    text = URL_TOKEN.sub("***", text)
    text = ID_NUMBER.sub(lambda m: "*" * 14 + m.group(2)[-4:], text)
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def contains_personal_data(text: str) -> bool:
    return bool(MOBILE.search(text) or ID_NUMBER.search(text))


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True
