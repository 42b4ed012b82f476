"""Settings of the page-cost benchmark (bench/page_cost.py): the product's settings with a URL conf
that adds a bare "hello" view and a naive roll-call page behind the same middleware, so that no
such URL ships in the product."""

from afterschool.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
