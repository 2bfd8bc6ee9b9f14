"""The Celery application shared by producers (``scan --broker``, the desk) and workers.

Delivery is at-least-once (``acks_late``: a task is acknowledged when it has finished, so a worker
killed mid-page leaves its messages unacknowledged and the broker hands them out again); the
output is made exactly-once by the producer, which keeps the first result of each input. On Redis,
an unacknowledged message goes back to the queue after the *visibility timeout*: here
:data:`LEASE_S` seconds (not Celery's default hour), which live workers renew for the messages they
hold (:mod:`scamscope.distributed.lease`), so a page may take its whole budget while the pages of a
dead worker come back within about :data:`LEASE_S` seconds.

RabbitMQ (``amqp://``) needs none of this: it has no visibility timeout, and hands a consumer's
unacknowledged messages out again as soon as its connection drops (a killed worker, a missed
heartbeat: :data:`HEARTBEAT_S`). The queue is durable and the messages persistent, published with
publisher confirms, so a broker restart keeps them. RabbitMQ's ``consumer_timeout`` (30 minutes by
default) must stay above the longest page budget: a page is far shorter.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

QUEUE = "scamscope"
TASK = "scamscope.scan"
MAX_ATTEMPTS = 3  # deliveries of one input that may start a capture; the next one records an error
KEY_PREFIX = "scamscope:"  # keys of our own in the broker's Redis (attempts, results, batches)
RESTORE_INTERVAL_S = 2  # how often a worker looks for messages whose visibility timeout ran out
LEASE_S = 12.0  # the visibility timeout; a live worker renews it for its messages every RENEW_S
RENEW_S = 2.0
HEARTBEAT_S = 10  # AMQP heartbeat timeout of workers: RabbitMQ drops a silent worker and hands its pages out again


def is_redis(broker: str) -> bool:
    """Whether ``broker`` is a Redis URL (leases and visibility timeout) rather than AMQP (RabbitMQ)."""
    return broker.startswith(("redis://", "rediss://", "unix://"))


def transport_options(broker: str, visibility_s: float = LEASE_S) -> dict[str, Any]:
    """kombu's transport options for ``broker``'s kind."""
    if is_redis(broker):
        return {
            "visibility_timeout": visibility_s,
            "unacked_restore_interval": RESTORE_INTERVAL_S,
            "unacked_restore_throttle": 1,  # look every RESTORE_INTERVAL_S, not every 10th time
            "unacked_mutex_expire": 30,  # a worker killed during a sweep does not block sweeps for 5 minutes
            "socket_keepalive": True,
            "socket_connect_timeout": 5,
            "health_check_interval": 10,
        }
    return {"confirm_publish": True}  # a task is sent once RabbitMQ has it (durable queue, persistent message)


def make_app(broker: str, *, visibility_s: float = LEASE_S) -> Celery:
    """A Celery app on ``broker`` (``redis://``, ``rediss://`` or ``amqp://`` URL) with the task registered."""
    app = Celery("scamscope", broker=broker, set_as_current=False)
    transport = transport_options(broker, visibility_s)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,  # results travel through our own per-batch list (scamscope.distributed.store)
        result_backend=None,
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,  # a worker holds no more pages than it captures at once
        # a page under way when the broker connection drops (a restart) is finished and its result
        # stored; its redelivery then finds it done (Celery 6 would cancel it and capture it again)
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_send_task_events=True,  # Flower, `celery events`
        task_send_sent_event=True,
        broker_transport_options=transport,
        broker_connection_retry=True,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a broker restart is waited out, however long
        broker_heartbeat=HEARTBEAT_S,
        broker_connection_timeout=5,
        task_default_delivery_mode="persistent",
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 60, "interval_start": 0.5, "interval_step": 0.5, "interval_max": 2.0},
    )
    from scamscope.distributed import tasks

    tasks.register(app)
    return app
