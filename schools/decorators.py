from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from schools import access


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
