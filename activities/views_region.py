"""F17: the bureau's pages for its region's rules, and its content review of held activities.

Bureau officers only (the second factor applies as on every bureau page); a region or an activity
outside the officer's reach answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities import forms, region_services, rules, selectors
from activities.models import RegionPolicy, Review
from privacy.models import RetentionPolicy
from schools.decorators import bureau_officer_required
from schools.formerrors import add_service_error


def _source(region_name: str) -> str:
    if region_name:
        return _("set by %(region)s") % {"region": region_name}
    return _("national default")


def _value_rows(policy: rules.Policy) -> list[tuple[str, str, str]]:
    """(what, value, where it comes from) for the page's table."""

    def time(value):
        return value.strftime("%H:%M") if value else _("no limit")

    return [
        (
            _("Earliest end of the service day"),
            time(policy.earliest_end),
            _source(policy.earliest_end_region),
        ),
        (_("Latest end of the service day"), time(policy.latest_end), _source(policy.latest_end_region)),
        (_("Service weekdays"), rules.weekday_names(policy.weekdays), _source(policy.weekdays_region)),
        (_("Largest free-tutoring group"), str(policy.tutoring_max_group), _source(policy.tutoring_region)),
        (
            _("Retention period"),
            _("%(n)s months") % {"n": policy.retention_months},
            _source(policy.retention_region),
        ),
    ]


def _word_rows(policy: rules.Policy, terms) -> list[tuple[str, str]]:
    return [(term, _source(policy.term_regions.get(term, ""))) for term in terms]


@require_GET
@bureau_officer_required
def region_rules_list(request):
    regions = list(selectors.regions_ruled_by(request.user)[:200])
    if len(regions) == 1:
        return redirect("activities:region-rules", region_code=regions[0].code)
    return render(request, "activities/region_rules_list.html", {"regions": regions})


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def region_rules(request, region_code):
    region = selectors.get_ruled_region_for_user(request.user, region_code)
    own = RegionPolicy.objects.filter(region=region).first()
    own_retention = RetentionPolicy.objects.filter(region=region).values_list("months", flat=True).first()
    form = forms.RegionPolicyForm(
        request.POST if request.method == "POST" else None,
        initial=forms.RegionPolicyForm.initial_from(own, own_retention),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            region_services.region_policy_save(
                region=region,
                earliest_end=data["earliest_end"],
                latest_end=data["latest_end"],
                weekdays="".join(data["weekdays"]),
                tutoring_max_group=data["tutoring_max_group"],
                extra_terms=data["extra_terms"],
                watch_terms=data["watch_terms"],
                retention_months=data["retention_months"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The rules of %(region)s have been saved.") % {"region": region.name})
            return redirect("activities:region-rules", region_code=region.code)
    policy = rules.policy_for_region(region)
    return render(
        request,
        "activities/region_rules.html",
        {
            "region": region,
            "form": form,
            "values": _value_rows(policy),
            "refused": _word_rows(policy, policy.extra_lesson_terms),
            "held": _word_rows(policy, policy.watch_terms),
            "inherited": rules.policy_for_region(region, inherited_only=True),
        },
    )


@require_GET
@bureau_officer_required
def content_review_list(request):
    rows = list(selectors.activities_for_bureau_review(request.user)[:500])
    return render(
        request,
        "activities/content_review_list.html",
        {
            "held": [a for a in rows if a.review == Review.HELD],
            "decided": [a for a in rows if a.review != Review.HELD],
        },
    )


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def content_review(request, review_code):
    activity = selectors.get_review_activity_for_user(request.user, review_code)
    form = None
    if activity.review == Review.HELD:
        form = forms.ReviewDecisionForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                failed = region_services.activity_review_decide(
                    activity=activity, approve=approve, note=form.cleaned_data["note"], actor=request.user
                )
            except ValidationError as exc:
                add_service_error(form, exc, {"note": "note"})
            else:
                messages.success(
                    request,
                    (
                        _("“%(title)s” has been approved and the school told.")
                        if approve
                        else _("“%(title)s” has been rejected and the school told.")
                    )
                    % {"title": activity.title},
                )
                for name, reason in failed:
                    messages.warning(
                        request,
                        _("No sessions could be generated for %(group)s: %(reason)s")
                        % {"group": name, "reason": reason},
                    )
                return redirect("activities:content-review", review_code=activity.code)
    return render(request, "activities/content_review.html", {"activity": activity, "form": form})
