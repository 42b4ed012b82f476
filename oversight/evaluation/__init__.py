"""Term reports upward, evaluation and good practice (F8; M5 纳入考评体系, H1): scoring, reads,
writes, forms, pages, the ranking export and the demo data. Models live in oversight.models, URLs in
oversight.urls."""
