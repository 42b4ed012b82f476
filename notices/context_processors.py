from notices import selectors


def unread_count(request):
    """The navbar's unread badge; one COUNT query, only for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_count_for_request(user=user)}
