"""The project's settings plus the test-only page kind (``tests.kinds``), which
proves that a kind declared outside the engine gets everything from it."""

from heromask_wiki.settings import *  # noqa: F403
from heromask_wiki.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.kinds"]
