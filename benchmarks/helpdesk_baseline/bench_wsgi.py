"""WSGI entry point of the baseline, for gunicorn."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
