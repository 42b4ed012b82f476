"""The mobile API: /api/v1/ (Django REST framework), its OpenAPI schema at /api/schema/, docs at /api/docs/.

A top-floor app beside `afterschool`: it calls the same services and selectors as the pages and
scopes through `schools.access`; no rule lives here. Not yours and not there: 404.

How to add an endpoint
----------------------
1. Shapes in `api/serializers/<audience>.py` (accounts, parent, staff …): input serializers only
   check shape; the service decides the rules and raises ValidationError(message, code=…), which
   `api.exceptions` turns into a 400 with that code.
2. A function view in `api/views/<audience>*.py`: `@extend_schema(request=…, responses=…)` above
   `@api_view(["GET"|"POST"|…])`. Authentication (Bearer token, which also sets the user's
   language), IsAuthenticated, the account gates, a well-formed body and the write throttle are the
   defaults (settings.REST_FRAMEWORK). Add `@permission_classes(for_roles(...))` for a role, fetch
   objects with the scoped getters (`access.get_student_for_user(request.user, code)` …) so that
   anything outside the scope is 404, then call the service.
3. A line in `api/urls_<audience>.py` (kebab-case name; identifiers are `<uuid:…_code>`). A new
   audience gets its own url module and one `include` line in `api/urls.py`.
4. Classify the URL in `tests/support/api_matrix.py` (who may call it; for an identifier, the
   keyword must be known to tests/support/url_patterns.OBJECT_KWARGS). tests/api/test_api_matrix.py
   fails for an endpoint left out and crawls every persona with out-of-scope identifiers (404 and
   nothing changed); tests/api/test_schema.py checks it is in the schema with its shapes.
5. A POST that creates takes `@idempotency.idempotent` under `@api_view` and
   `parameters=[idempotency.PARAMETER]` in its `@extend_schema` (api/idempotency.py).
6. English msgids with their Chinese in `locale/sources/<branch>.json`; tests in tests/api/.
"""
