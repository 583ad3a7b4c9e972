"""Beat jobs of the satisfaction requests: ask about the answers that went out, expire the unanswered."""

from celery import shared_task

from feedback import services


@shared_task(ignore_result=True)
def ask_sent_answers() -> int:
    return services.ask_sent_answers()


@shared_task(ignore_result=True)
def expire_requests() -> int:
    return services.expire_requests()
