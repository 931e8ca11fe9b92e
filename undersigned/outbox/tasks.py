from django_tasks import task

from . import actions


@task()
def send_email(email_id: str) -> bool:
    return actions.send(email_id)
