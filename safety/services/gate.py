"""The gate register (门卫登记, M4): visitors in and out during service hours."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from audit import services as audit
from safety.models import GateEntry, GateExit
from schools.models import School, User
from schools.phones import mobile_normalise, normalise_text
from schools.validators import id_last4_normalise, id_number_validate


def id_last4_from(value: str) -> str:
    """The last 4 characters of an ID number typed either whole (checked against GB 11643) or as
    its last 4. Only these are kept. Raises ValidationError(code="id_number")."""
    text = normalise_text(value).replace(" ", "").upper()
    if len(text) == 4:
        try:
            return id_last4_normalise(text)
        except ValidationError:
            pass
    else:
        try:
            return id_number_validate(text)[-4:]
        except ric.ValidationError:
            pass
    raise ValidationError(
        _("Enter a valid 18-character ID number, or only its last 4 characters."), code="id_number"
    )


@transaction.atomic
def gate_entry_record(
    *,
    school: School,
    name: str,
    id_number: str,
    mobile: str,
    purpose: str,
    visiting: str,
    note: str = "",
    actor: User,
) -> GateEntry:
    """Let a visitor in. Raises ValidationError(code="name", "id_number", "mobile", "purpose", "visiting")."""
    name, visiting = normalise_text(name), normalise_text(visiting)
    if not name:
        raise ValidationError(_("Enter the visitor's name."), code="name")
    if purpose not in GateEntry.Purpose.values:
        raise ValidationError(_("Choose the purpose of the visit."), code="purpose")
    if not visiting:
        raise ValidationError(_("Enter whom the visitor is here to see."), code="visiting")
    entry = GateEntry.objects.create(
        school=school,
        name=name[:50],
        id_last4=id_last4_from(id_number),
        mobile=mobile_normalise(mobile),
        purpose=purpose,
        visiting=visiting[:100],
        note=normalise_text(note)[:200],
        recorded_by=actor,
    )
    audit.record(actor=actor, verb="gate.entry", target=entry, changes={"purpose": purpose})
    return entry


def gate_exit_record(*, entry: GateEntry, actor: User) -> GateExit:
    """Record that a visitor has left. Raises ValidationError(code="already_left")."""
    try:
        with transaction.atomic():
            exit_ = GateExit.objects.create(entry=entry, recorded_by=actor, left_at=timezone.now())
            audit.record(actor=actor, verb="gate.exit", target=entry)
    except IntegrityError:  # the one-to-one: two clicks, or two guards at once
        raise ValidationError(
            _("%(name)s has already been signed out."), code="already_left", params={"name": entry.name}
        ) from None
    return exit_
