"""Django's ModelBackend, whose session user also says what the second-factor gate needs.

SecondFactorMiddleware asks, on every admin request of a session not yet
confirmed with a second factor, whether the user has a device and whether
their role requires one. Two subqueries on the user's own row, which the
session loads anyway, answer both without a query of their own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, User
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice


def with_second_factor_facts(queryset: Any) -> Any:
    return queryset.annotate(
        accounts_has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        accounts_in_required_group=Exists(
            Group.objects.filter(user=OuterRef("pk"), name__in=settings.ACCOUNTS_SECOND_FACTOR_GROUPS)
        ),
    )


class StaffModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = with_second_factor_facts(User._default_manager).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
