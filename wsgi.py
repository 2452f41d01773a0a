"""The WSGI entry point that gunicorn and the ``flask`` command find."""

from outreach_app import create_app

app = create_app()
