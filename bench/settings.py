"""Settings for the benchmarks in bench/: the production settings plus three changes.

Everything else comes from appeals_portal.settings and the environment that
bench/run_intake.py and bench/upload_memory.py set (PORTAL_ENV=production,
DATABASE_URL, CACHE_URL, CELERY_BROKER_URL...).

1. A bare view at /bench/bare/ (bench/urls.py): the ceiling of the stack.
2. The captcha accepts the answer "PASSED" and rate limits are off: the load
   comes from one address and a program cannot read a picture.
3. Letters are written to files, one per letter (EMAIL_FILE_PATH under
   PORTAL_VAR_DIR), so the Celery worker really renders and "sends" every
   confirmation letter and the load generator reads the code from it.

Never use this module outside the benchmark.
"""

from __future__ import annotations

import warnings

from appeals_portal.settings import *  # noqa: F403
from appeals_portal.settings import VAR_DIR

ROOT_URLCONF = "bench.urls"

# captcha.conf.settings copies this Django setting when it is first imported
# (lazily, after these settings are loaded), so setting it here is enough in
# every process: gunicorn workers and the tests of bench/run_intake.py check
# that "PASSED" is accepted. django-simple-captcha warns because DEBUG is off;
# that is the point of the benchmark, so silence the warning.
CAPTCHA_TEST_MODE = True
warnings.filterwarnings("ignore", message="CAPTCHA_TEST_MODE is enabled", category=RuntimeWarning)

RATELIMIT_ENABLE = False

EMAIL_BACKEND = "bench.mailbox.PerRecipientFileBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"

# Logging stays as in production (LOG_LEVEL, INFO by default), minus the warning above.
LOGGING["loggers"]["captcha.conf.settings"] = {"level": "CRITICAL"}  # noqa: F405
