"""Who may open which page: every named URL of the project outside Django admin, classified.

"public" needs no sign-in; "token" needs no session but a signed token in the query string (calendar
feeds); "province" only a province's bureau officers (none of the personas); otherwise the set of
roles whose demo persona reaches the page. Anything else answers 404
(or 403), like an object outside one's scope. tests/security/test_url_matrix.py checks the matrix
against the running project; a new URL fails that test until it is classified here.
"""

PARENT = "parent"
CLASS_TEACHER = "class_teacher"
SERVICE_TEACHER = "service_teacher"
GATE_GUARD = "gate_guard"
SCHOOL_ADMIN = "school_admin"
BUREAU = "bureau_officer"

EVERYONE = frozenset({PARENT, CLASS_TEACHER, SERVICE_TEACHER, GATE_GUARD, SCHOOL_ADMIN, BUREAU})
ADMIN = frozenset({SCHOOL_ADMIN})
FAMILY = frozenset({PARENT})
TEACHERS = frozenset({SCHOOL_ADMIN, SERVICE_TEACHER, CLASS_TEACHER})
SCHOOL_STAFF = TEACHERS | {GATE_GUARD}
BUREAU_ONLY = frozenset({BUREAU})
PROVINCE = "province"

# The demo persona that stands for each role (docs/demo.md): all at school s1, or over it (中原区).
PERSONAS = {
    PARENT: "s1_parent",
    CLASS_TEACHER: "s1_head31",
    SERVICE_TEACHER: "s1_staff",
    GATE_GUARD: "s1_guard",
    SCHOOL_ADMIN: "s1_admin",
    BUREAU: "zy_bureau",
}

URLS = {
    # --- project and accounts
    "healthz": "public",
    # F19: how a request arrived through the reverse proxy (manage.py deploy_check --url).
    "healthz-proxy": "public",
    # F19: Prometheus. No sign-in: decided by the client's network, a bearer token or staff (is_staff),
    # 404 otherwise; the suite's client comes from 127.0.0.1, an allowed network
    # (tests/foundation/test_metrics.py).
    "metrics": "public",
    "login": "public",
    # F13: first sign-in (or a new password) with a one-time activation code from the school.
    "activate": "public",
    "set-language": "public",
    "home": EVERYONE,
    "logout": EVERYONE,
    "password-change": EVERYONE,
    # One's own e-mail, language and message channels.
    "profile": EVERYONE,
    # F16: one's own signed-in apps (tokens of the mobile API), seen and signed out on the web.
    "devices:list": EVERYONE,
    "devices:revoke": EVERYONE,
    # Second factor (F10): the roles that may be required to use one (OTP_REQUIRED_ROLES).
    "otp-enrol": frozenset({SCHOOL_ADMIN, BUREAU}),
    "otp-verify": frozenset({SCHOOL_ADMIN, BUREAU}),
    # --- privacy: a guardian's own privacy notice and consent records -------------------------
    "privacy:notice": FAMILY,
    "privacy:consents": FAMILY,
    "privacy:consent-withdraw": FAMILY,
    # --- notices: each user's own inbox
    "notices:inbox": EVERYONE,
    "notices:notification-open": EVERYONE,
    "notices:mark-all-read": EVERYONE,
    # --- schools
    "schools:bureau-school": BUREAU_ONLY,
    # F17: the bureau's schools and officer / school-admin accounts of its region.
    "schools:region-schools": BUREAU_ONLY,
    "schools:region-school-create": BUREAU_ONLY,
    "schools:region-school-edit": BUREAU_ONLY,
    "schools:region-accounts": BUREAU_ONLY,
    "schools:region-account-disable": BUREAU_ONLY,
    "schools:class-list": ADMIN,
    "schools:class-detail": ADMIN,
    "schools:staff-list": ADMIN,
    "schools:membership-remove": ADMIN,
    "schools:student-list": ADMIN,
    "schools:student-detail": ADMIN,
    "schools:student-edit": ADMIN,
    "schools:guardian-add": ADMIN,
    "schools:guardian-list": ADMIN,
    "schools:guardian-detail": ADMIN,
    "schools:guardianship-manage": ADMIN,
    "schools:pickup-list": ADMIN,
    "schools:pickup-restrict": ADMIN,
    "schools:pickup-unrestrict": ADMIN,
    "schools:school-settings": ADMIN,
    "schools:family-child": FAMILY,
    "schools:family-child-access": FAMILY,
    "schools:family-pickup-add": FAMILY,
    "schools:family-pickup-end": FAMILY,
    "schools:roster-import": ADMIN,
    "schools:rollover": ADMIN,
    "schools:roster-import-detail": ADMIN,
    "schools:roster-import-progress": ADMIN,
    "schools:roster-import-columns": ADMIN,
    "schools:roster-export": ADMIN,
    "schools:roster-template": ADMIN,
    # F13: activation slips and codes; a school's request that an account holder confirm a child
    # (answered only by its holder, whatever their roles).
    "schools:activation-slips": ADMIN,
    "schools:guardian-activation-reissue": ADMIN,
    "schools:staff-activation-reissue": ADMIN,
    "schools:guardian-link-decide": EVERYONE,
    # --- activities
    "activities:term-list": ADMIN,
    "activities:term-create": ADMIN,
    "activities:term-edit": ADMIN,
    "activities:term-copy": ADMIN,
    "activities:term-sessions-confirm": ADMIN,
    "activities:term-closure-add": ADMIN,
    "activities:term-makeup-days": ADMIN,
    "activities:venue-list": ADMIN,
    "activities:venue-create": ADMIN,
    "activities:venue-edit": ADMIN,
    "activities:venue-sessions": ADMIN,
    "activities:activity-list": ADMIN,
    "activities:activity-create": ADMIN,
    "activities:activity-edit": ADMIN,
    "activities:activity-checklist": ADMIN,
    "activities:group-list": TEACHERS,
    "activities:group-create": ADMIN,
    "activities:group-detail": TEACHERS,
    "activities:group-edit": ADMIN,
    "activities:timetable": ADMIN,
    "activities:my-sessions": TEACHERS,
    "activities:ical-rotate": TEACHERS,
    "activities:ical-feed": "token",
    "activities:workload": TEACHERS,
    # F11: the State Council's holiday schedule: province bureau officers (and superusers) only; the
    # bureau persona (中原区, a county) is refused like every other.
    "activities:calendar-years": PROVINCE,
    "activities:calendar-year": PROVINCE,
    # F17: the region's rules and the content review, for the region's own bureau.
    "activities:region-rules-list": BUREAU_ONLY,
    "activities:region-rules": BUREAU_ONLY,
    "activities:content-review-list": BUREAU_ONLY,
    "activities:content-review": BUREAU_ONLY,
    # F17: the register of qualified providers of the officer's region.
    "activities:provider-register": BUREAU_ONLY,
    "activities:provider-create": BUREAU_ONLY,
    "activities:provider-edit": BUREAU_ONLY,
    # --- enrollment (the family page sends class teachers and school admins on to their own page)
    "enrollment:family": frozenset({PARENT, CLASS_TEACHER, SCHOOL_ADMIN}),
    "enrollment:providers": FAMILY,
    "enrollment:notice-acknowledge": FAMILY,
    "enrollment:survey": FAMILY,
    "enrollment:apply": FAMILY,
    "enrollment:application-edit": FAMILY,
    "enrollment:application-withdraw": FAMILY,
    "enrollment:placement-decline": FAMILY,
    "enrollment:review": frozenset({CLASS_TEACHER}),
    "enrollment:review-bulk-approve": frozenset({CLASS_TEACHER}),
    "enrollment:review-detail": frozenset({CLASS_TEACHER}),
    "enrollment:admin": ADMIN,
    "enrollment:admin-term": ADMIN,
    "enrollment:admin-notice": ADMIN,
    "enrollment:admin-survey": ADMIN,
    "enrollment:admin-surveys": ADMIN,
    "enrollment:admin-survey-edit": ADMIN,
    "enrollment:admin-survey-open": ADMIN,
    "enrollment:admin-survey-close": ADMIN,
    "enrollment:admin-placement": ADMIN,
    "enrollment:placement-run": ADMIN,
    "enrollment:placement-publish": ADMIN,
    "enrollment:second-round-open": ADMIN,
    "enrollment:placement-move": ADMIN,
    # --- safety: attendance, release, leave
    "safety:today": TEACHERS,
    "safety:session": TEACHERS,
    # F17: the session history (a roll call corrected the next day) and the printable sheet.
    "safety:history": TEACHERS,
    "safety:session-sheet": TEACHERS,
    "safety:roll-call": TEACHERS,
    "safety:duty-handover": TEACHERS,
    "safety:release-list": TEACHERS,
    "safety:release-child": TEACHERS,
    "safety:handover-confirm": TEACHERS,
    "safety:class-home": frozenset({CLASS_TEACHER, SCHOOL_ADMIN}),
    "safety:class-day": frozenset({CLASS_TEACHER, SCHOOL_ADMIN}),
    "safety:family": FAMILY,
    "safety:leave-report": FAMILY,
    "safety:pickup-code": FAMILY,
    "safety:leave-cancel": FAMILY,
    "safety:still-here": frozenset({GATE_GUARD, SCHOOL_ADMIN}),
    "safety:pickup-check": frozenset({GATE_GUARD, SCHOOL_ADMIN}),
    "safety:attendance-records": ADMIN,
    "safety:records-export": ADMIN,
    # --- safety: gate register, inspections, plans, responsibility, incidents, off-campus
    "safety:gate": frozenset({GATE_GUARD, SCHOOL_ADMIN}),
    "safety:gate-register": frozenset({GATE_GUARD, SCHOOL_ADMIN}),
    "safety:gate-exit": frozenset({GATE_GUARD, SCHOOL_ADMIN}),
    "safety:inspections": ADMIN,
    "safety:venue-safety": ADMIN,
    "safety:inspection-create": ADMIN,
    "safety:inspection-detail": ADMIN,
    "safety:finding-detail": ADMIN,
    "safety:plans": ADMIN,
    "safety:plan-create": ADMIN,
    "safety:plan-detail": ADMIN,
    "safety:plan-review": ADMIN,
    "safety:plan-drill": ADMIN,
    "safety:plan-document": ADMIN,
    "safety:responsibility": ADMIN,
    "safety:group-officer": ADMIN,
    "safety:duty-roster": ADMIN,
    "safety:incidents": SCHOOL_STAFF | {BUREAU},
    "safety:incident-create": SCHOOL_STAFF,
    "safety:incident-detail": SCHOOL_STAFF | {BUREAU},
    "safety:incident-follow-up": ADMIN,
    "safety:incident-notify-bureau": ADMIN,
    "safety:incident-close": ADMIN,
    "safety:offcampus": ADMIN,
    "safety:offcampus-activity": ADMIN,
    # --- subsidies
    "subsidies:claim-list": ADMIN,
    "subsidies:claim-prepare": ADMIN,
    "subsidies:claim-queue": BUREAU_ONLY,
    "subsidies:claim-detail": frozenset({SCHOOL_ADMIN, BUREAU}),
    "subsidies:claim-export": frozenset({SCHOOL_ADMIN, BUREAU}),
    "subsidies:claim-recompute": ADMIN,
    "subsidies:claim-submit": ADMIN,
    "subsidies:claim-discard": ADMIN,
    "subsidies:claim-approve": BUREAU_ONLY,
    "subsidies:claim-return": BUREAU_ONLY,
    "subsidies:claim-paid": BUREAU_ONLY,
    "subsidies:workload": TEACHERS,
    "subsidies:workload-adjust": ADMIN,
    "subsidies:funding": BUREAU_ONLY,
    "subsidies:budget-create": BUREAU_ONLY,
    "subsidies:budget-edit": BUREAU_ONLY,
    "subsidies:contract-create": BUREAU_ONLY,
    "subsidies:contract-edit": BUREAU_ONLY,
    "subsidies:rate-create": BUREAU_ONLY,
    "subsidies:complaint-list": frozenset({SCHOOL_ADMIN, BUREAU}),
    "subsidies:complaint-mine": FAMILY,
    "subsidies:complaint-new": FAMILY,
    # The guardian who complained, the county bureau, and the school once the bureau shares it.
    "subsidies:complaint-detail": frozenset({PARENT, SCHOOL_ADMIN, BUREAU}),
    "subsidies:complaint-note": BUREAU_ONLY,
    "subsidies:complaint-reply": BUREAU_ONLY,
    "subsidies:complaint-share": BUREAU_ONLY,
    # --- evaluation: term reports upward, scores and ranking, good practice -------------------
    "oversight:term-report-list": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:term-report-prepare": ADMIN,
    "oversight:term-report-detail": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:term-report-edit": ADMIN,
    "oversight:term-report-submit": ADMIN,
    "oversight:term-report-return": BUREAU_ONLY,
    "oversight:term-report-accept": BUREAU_ONLY,
    "oversight:ranking": BUREAU_ONLY,
    "oversight:ranking-export": BUREAU_ONLY,
    "oversight:weights": BUREAU_ONLY,
    "oversight:school-score": frozenset({SCHOOL_ADMIN, BUREAU}),
    # F17: supervision visits (the bureau records, the school answers) and the school's documents.
    "oversight:visit-list": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:visit-create": BUREAU_ONLY,
    "oversight:visit-detail": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:finding-answer": ADMIN,
    "oversight:evidence-download": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:document-list": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:document-upload": ADMIN,
    "oversight:document-download": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:practice-list": TEACHERS | {BUREAU},
    "oversight:practice-new": ADMIN,
    "oversight:practice-detail": TEACHERS | {BUREAU},
    "oversight:practice-decide": BUREAU_ONLY,
    "oversight:dashboard": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:reports": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:report-detail": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:report-status": frozenset({SCHOOL_ADMIN, BUREAU}),
    "oversight:report-download": frozenset({SCHOOL_ADMIN, BUREAU}),
}

# The API (/api/…, token authentication) has its own matrix and crawl: tests/support/api_matrix.py.
SEPARATE_NAMESPACES = {"api"}

# Namespaces built in parallel and not yet classified: listed here until their URLs join URLS.
PENDING_NAMESPACES: set[str] = set()
