from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notices import selectors, services
from notices.models import Notification


@require_GET
@login_required
def inbox(request):
    page = Paginator(selectors.notifications_for_user(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "notices/inbox.html", {"page": page})


@require_POST
@login_required
def notification_open(request, notification_id: int):
    """Mark read, then follow the notification's link (only within this site)."""
    try:
        notification = selectors.notification_get_for_user(user=request.user, pk=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    services.notification_mark_read(notification=notification)
    if notification.link and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.link)
    return redirect("notices:inbox")


@require_POST
@login_required
def mark_all_read(request):
    services.notifications_mark_all_read(recipient=request.user)
    return redirect("notices:inbox")
