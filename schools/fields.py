"""Model fields that every app declares the same way."""

from django.db import models


def optional_fk(to, verbose_name, *, related_name: str = "+") -> models.ForeignKey:
    """A foreign key that may be empty (who decided, which contract) and never cascades: PROTECT,
    as for anything about children, attendance or money (docs/design.md, "Code rules")."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
    )
