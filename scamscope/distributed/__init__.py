"""Distributed scanning on Celery: workers on many machines, producers that send them inputs.

* :mod:`~scamscope.distributed.app`: the Celery app and its reliability settings (late acks, a
  short visibility timeout that live workers renew: :mod:`~scamscope.distributed.lease`);
* :mod:`~scamscope.distributed.tasks`: the worker's one task, with its browser and analysis pool;
* :mod:`~scamscope.distributed.producer`: ``scan --broker`` and the desk send inputs and get the
  results back in input order, each input exactly once;
* :mod:`~scamscope.distributed.worker`: ``scamscope worker``;
* :mod:`~scamscope.distributed.health`: ``scamscope workers``, and the health each worker reports;
* :mod:`~scamscope.distributed.store`: our keys in Redis (results, attempts, batches).
"""
