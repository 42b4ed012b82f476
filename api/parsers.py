"""The API's JSON parser: DRF's, with every body it cannot read refused in the caller's language (a
400 naming no parser internals), nesting too deep for Python's parser included (DRF lets its
RecursionError through as a 500)."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (ParseError, RecursionError):
            raise ParseError(_("The request body is not valid JSON.")) from None
