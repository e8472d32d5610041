"""Races on PostgreSQL with real threads, one connection each, started together by a barrier."""

import threading
from collections import Counter

from django.db import connections

THREADS = 32


def race(worker, count=THREADS, *, timeout: float = 60) -> Counter:
    """Run worker(index) in `count` threads started together; count what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(index):
        try:
            barrier.wait()
            result = worker(index)
        except Exception as error:  # noqa: BLE001 - the outcome is what we count
            result = type(error).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung: deadlock?"
    return outcomes
