"""Safety records (M4, H4). Each area keeps its models in its own module."""

from safety.models.attendance import *  # noqa: F401,F403  (F5: attendance, leave, handover, release)
from safety.models.records import *  # noqa: F401,F403  (F6: gate register, inspections, plans, incidents)
