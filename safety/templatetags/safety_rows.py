"""Rows of the rush pages built in Python (F18): the roll call's mark buttons (32 children a group)
and the still-here board's rows (200 children at a school's gate). The same HTML the templates wrote
before (labels, ids, aria attributes), every value escaped (django.utils.html.escape); the labels are
translated once a page and what is the same for every child of a session (group, venue, holder,
end) is built once."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

# (value, button colour): the order of the buttons on the roll call.
MARK_BUTTONS = (("present", "success"), ("late", "warning"), ("left_early", "info"), ("absent", "danger"))


def _mark_labels(context) -> dict[str, str]:
    """The four marks' labels in the request's language, escaped, once a page."""
    labels = context.render_context.get("safety_mark_labels")
    if labels is None:
        labels = context.render_context["safety_mark_labels"] = {
            "present": escape(gettext("present")),
            "late": escape(gettext("late")),
            "left_early": escape(gettext("left early")),
            "absent": escape(gettext("absent")),
        }
    return labels


@register.simple_tag(takes_context=True)
def roll_buttons(context, name: str, value, child_name: str, errors=()) -> str:
    """One child's four one-tap mark buttons (radio inputs named `name`, the chosen one checked) and
    the field's errors. Every value is escaped once (format_html per button cost more than the rest
    of the row)."""
    labels = _mark_labels(context)
    field = escape(name)
    buttons = "\n".join(
        f'<input type="radio" class="btn-check" name="{field}" id="{field}-{mark}" value="{mark}" '
        f'autocomplete="off"{" checked" if value == mark else ""}>\n'
        f'<label class="btn btn-outline-{colour}" for="{field}-{mark}">{labels[mark]}</label>'
        for mark, colour in MARK_BUTTONS
    )
    errors_html = "".join(f'<div class="small text-danger">{escape(e)}</div>' for e in errors)
    return mark_safe(
        f'<div class="btn-group w-100" role="group" aria-label="{escape(child_name)}">\n{buttons}\n</div>'
        + errors_html
    )


def _session_cells(session, holder) -> tuple[str, str]:
    """The board's "with" cell and the end time of one session (the same for all its children)."""
    venue = session.venue.name if session.venue_id else ""
    holder_name = holder.display_name if holder else ""
    return (
        format_html(
            '<td>{}<br><span class="small text-secondary">{} · {}</span></td>',
            holder_name,
            session.group.name,
            venue,
        ),
        f"{session.end:%H:%M}",
    )


@register.simple_tag
def board_rows(rows) -> str:
    """The still-here board's table rows: child and class, who holds them and where, until when
    (overdue rows marked)."""
    overdue = gettext("overdue")
    badge = format_html('<br><span class="badge text-bg-danger">{}</span>', overdue)
    sessions = {}
    out = []
    for row in rows:
        session, student = row.child.session, row.child.student
        key = (session.pk, getattr(row.holder, "pk", None))
        cells = sessions.get(key)
        if cells is None:
            cells = sessions[key] = _session_cells(session, row.holder)
        out.append(
            f'<tr class="{"table-danger" if row.overdue else ""} board-row">\n'
            f'<td><strong>{escape(student.name)}</strong><br><span class="small text-secondary">'
            f"{escape(student.class_group.display_name)}</span></td>\n"
            f"{cells[0]}\n"
            f'<td class="text-nowrap">{cells[1]}{badge if row.overdue else ""}</td>\n'
            "</tr>"
        )
    return mark_safe("\n".join(out))
