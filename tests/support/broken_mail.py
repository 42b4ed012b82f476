from django.core.mail.backends.base import BaseEmailBackend


class BrokenBackend(BaseEmailBackend):
    """An SMTP server that refuses connections (the boundary we may fake)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server refused the connection")
