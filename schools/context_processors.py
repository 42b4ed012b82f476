from django.utils.functional import SimpleLazyObject

from schools import access


def roles(request):
    """The signed-in user's roles for the navbar, computed once per request (access caches the
    scope on the user) and only when a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def compute() -> frozenset:
        s = access.scope(user)
        # Superusers hold every role on paper and work in Django admin: no role menus.
        return frozenset() if s.everything else frozenset(str(role) for role in s.roles)

    def province() -> bool:
        s = access.scope(user)
        return not s.everything and access.is_province_officer(user)

    # F11: province officers enter the State Council's holiday schedule (activities:calendar-years).
    return {"user_roles": SimpleLazyObject(compute), "province_officer": SimpleLazyObject(province)}
