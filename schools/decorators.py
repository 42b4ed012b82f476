from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from schools import access
from schools.models import Role


def role_required(*roles: str):
    """Only users holding one of these roles (superusers always). Others get 404, as for objects
    outside their scope: not yours and not there look the same."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not (request.user.is_superuser or access.has_role(request.user, *roles)):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# One decorator per set of roles; views import these instead of building their own.
parent_required = role_required(Role.PARENT)
class_teacher_required = role_required(Role.CLASS_TEACHER)
school_admin_required = role_required(Role.SCHOOL_ADMIN)
bureau_officer_required = role_required(Role.BUREAU_OFFICER)
admin_or_bureau_required = role_required(Role.SCHOOL_ADMIN, Role.BUREAU_OFFICER)
class_teacher_or_admin_required = role_required(Role.CLASS_TEACHER, Role.SCHOOL_ADMIN)
gate_guard_or_admin_required = role_required(Role.GATE_GUARD, Role.SCHOOL_ADMIN)
teacher_or_admin_required = role_required(Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER)
teacher_admin_or_bureau_required = role_required(
    Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER, Role.BUREAU_OFFICER
)
school_staff_required = role_required(
    Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER, Role.GATE_GUARD
)
staff_or_bureau_required = role_required(
    Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER, Role.GATE_GUARD, Role.BUREAU_OFFICER
)
