"""Uploaded documents (F17): a file's type is checked by its name AND its first bytes, so a renamed
executable or HTML page is refused whatever it is called; and its size. One check for every app
that stores a document a person uploaded."""

import os

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

DOCUMENT_MAX_BYTES = 5 * 1024 * 1024

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Extension -> the signatures its content may start with.
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),  # Office Open XML is a zip archive
    # Word 97–2003 and WPS Office's own format are both OLE2 compound files.
    ".doc": (OLE2,),
    ".wps": (OLE2,),
}


def document_check(document: UploadedFile, *, max_bytes: int = DOCUMENT_MAX_BYTES) -> str:
    """The document's cleaned file name. Raises ValidationError(code="document_type") for anything
    but PDF, a photo (JPG, PNG), Word (.doc, .docx) or WPS by name and content, ("document_size")
    above max_bytes."""
    name = os.path.basename(document.name or "")[:200]
    extension = os.path.splitext(name)[1].lower()
    if extension not in SIGNATURES or not _starts_with(document, SIGNATURES[extension]):
        raise ValidationError(
            _("Upload the document as PDF, a photo (JPG, PNG), Word (.doc, .docx) or WPS."),
            code="document_type",
        )
    if document.size > max_bytes:
        raise ValidationError(
            _("The document may be at most %(mb)s MB."),
            code="document_size",
            params={"mb": max_bytes // (1024 * 1024)},
        )
    return name


def _starts_with(document: UploadedFile, signatures: tuple[bytes, ...]) -> bool:
    document.seek(0)
    head = document.read(16)
    document.seek(0)
    return any(head.startswith(sig) for sig in signatures)
