from django.urls import path  # noqa: F401  (each section below adds its pages)

app_name = "schools"

urlpatterns = []

# --- home pages per role and the bureau's read-only drill-down (schools/views/home.py) -------
urlpatterns += []

# --- school admin screens and parents' pick-up persons (schools/views/school_admin.py, family.py)
urlpatterns += []

# --- roster import and export (schools/views/roster.py) -------------------------------------
urlpatterns += []
