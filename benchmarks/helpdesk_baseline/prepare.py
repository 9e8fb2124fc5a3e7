"""Create the baseline's staff user, its API token and queue 1; print the token."""

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

user = get_user_model().objects.create_user(
    "bench", "bench@example.com", "bench-password", is_staff=True, is_superuser=True
)
Queue.objects.create(title="Cards", slug="cards", allow_public_submission=True)
print(Token.objects.create(user=user).key)
