"""Settings of a portal a test starts in a subprocess (gunicorn): the real settings, the captcha in test mode.

The subprocess gets everything else through the same environment variables
as production (DATABASE_URL, CACHE_URL, EMAIL_*); only the captcha, which a
test cannot read, accepts the answer "PASSED" here, as in tests/conftest.py.
"""

from appeals_portal.settings import *  # noqa: F403

CAPTCHA_TEST_MODE = True
