from django.urls import path

from subsidies import views

app_name = "subsidies"
urlpatterns = [
    # Claims: school admins prepare and submit; the county bureau decides and marks paid.
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/prepare/", views.claim_prepare, name="claim-prepare"),
    path("claims/review/", views.claim_queue, name="claim-queue"),
    path("claims/<uuid:claim_code>/", views.claim_detail, name="claim-detail"),
    path("claims/<uuid:claim_code>/export.xlsx", views.claim_export, name="claim-export"),
    path("claims/<uuid:claim_code>/recompute/", views.claim_recompute, name="claim-recompute"),
    path("claims/<uuid:claim_code>/submit/", views.claim_submit, name="claim-submit"),
    path("claims/<uuid:claim_code>/discard/", views.claim_discard, name="claim-discard"),
    path("claims/<uuid:claim_code>/approve/", views.claim_approve, name="claim-approve"),
    path("claims/<uuid:claim_code>/return/", views.claim_return, name="claim-return"),
    path("claims/<uuid:claim_code>/paid/", views.claim_paid, name="claim-paid"),
    # Held workload (roll call taken) and the school admin's adjustments.
    path("workload/", views.workload, name="workload"),
    path("workload/adjust/", views.workload_adjust, name="workload-adjust"),
    # Funding: budgets, purchase-of-services contracts and rates, set by each bureau for its region.
    path("funding/", views.funding, name="funding"),
    path("funding/budgets/new/", views.budget_create, name="budget-create"),
    path("funding/budgets/<uuid:budget_code>/", views.budget_edit, name="budget-edit"),
    path("funding/contracts/new/", views.contract_create, name="contract-create"),
    path("funding/contracts/<uuid:contract_code>/", views.contract_edit, name="contract-edit"),
    path("funding/rates/new/", views.rate_create, name="rate-create"),
    # Complaints: guardians report to the county bureau.
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/mine/", views.complaint_mine, name="complaint-mine"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/<uuid:complaint_code>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<uuid:complaint_code>/note/", views.complaint_note, name="complaint-note"),
    path("complaints/<uuid:complaint_code>/reply/", views.complaint_reply, name="complaint-reply"),
    path("complaints/<uuid:complaint_code>/share/", views.complaint_share, name="complaint-share"),
]
