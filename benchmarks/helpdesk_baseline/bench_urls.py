"""URLs of the baseline: django-helpdesk (its API under /api/) and a health check."""

from django.http import HttpResponse
from django.urls import include, path


def health(request):  # type: ignore[no-untyped-def]
    return HttpResponse("ok")


urlpatterns = [
    path("health/", health),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
