"""The dotted paths of the deliveries' tasks as rows queued before the split
of actions.py name them (django-tasks stores each task's path). The tasks
themselves live with the code that enqueues them again."""

from .milestones import final_delivery as deliver_on_close
from .sending import dispatch_delivery, send_delivery_attempt

__all__ = ["deliver_on_close", "dispatch_delivery", "send_delivery_attempt"]
