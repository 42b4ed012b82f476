import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

from audit import services
from audit.models import AccessLog, AuditEvent

pytestmark = pytest.mark.django_db


def test_it_records_who_did_what_to_which_record(user):
    event = services.record(actor=user, verb="user.update", target=user, changes={"mobile": "changed"})
    assert (event.actor, event.target_type, event.target_id) == (user, "schools.user", str(user.pk))
    assert event.changes == {"mobile": "changed"}


def test_it_never_changes_or_deletes_an_audit_row(user):
    event = services.record(actor=user, verb="x", target=user)
    log = services.access_record(user=user, target=user, path="/x/")
    for row in (event, log):
        with pytest.raises(PermissionError):
            row.save()
        with pytest.raises(PermissionError):
            row.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(verb="y")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == "x"


def test_it_offers_the_admin_no_way_to_change_audit_rows(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    for model in (AuditEvent, AccessLog):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_it_registers_every_project_model_in_the_admin_with_search_and_filters():
    ours = [m for m in apps.get_models() if m.__module__.split(".")[0] in PROJECT_APPS]
    assert ours
    for model in ours:
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, f"{model.__name__} is not in the admin"
        assert model_admin.search_fields, f"{model.__name__} admin has no search"
        assert model_admin.list_filter, f"{model.__name__} admin has no filters"


PROJECT_APPS = {"schools", "audit", "notices", "activities", "enrollment", "safety", "subsidies", "oversight"}
