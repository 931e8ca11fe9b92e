"""The dotted path of the send task as rows queued before it moved name it
(django-tasks stores each task's path); the task lives in actions.py."""

from .actions import send_email

__all__ = ["send_email"]
