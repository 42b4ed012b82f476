"""The product's URLs plus the benchmark's own three pages (bench/settings.py uses this conf)."""

from django.urls import path

from afterschool.urls import urlpatterns as product
from bench import views

urlpatterns = [
    path("bench/hello", views.hello, name="bench-hello"),
    path("bench/hello-signed-in", views.signed_in_hello, name="bench-signed-in-hello"),
    path("bench/naive-roll/<uuid:session_code>/", views.naive_roll_call, name="bench-naive-roll"),
    *product,
]
