from celery import shared_task


@shared_task
def ping(value: str) -> str:
    """Answer a ping; used by /healthz-style checks and the worker test."""
    return f"pong:{value}"
