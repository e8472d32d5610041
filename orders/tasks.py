"""Celery tasks of orders placement; other order helpers keep their tasks in modules of their own."""

from celery import shared_task

from orders.services.estimates import delete_expired_estimates


@shared_task
def delete_expired_order_estimates() -> int:
    """Every 10 minutes (beat): drop estimates past their two hours; returns how many went."""
    return delete_expired_estimates()
