"""Run an iterator in a background thread, a bounded number of items ahead of its consumer.

numpy releases the GIL while it copies, so gathering the next batches overlaps the training step.

Example:
    >>> ahead = Prefetcher(iter(batches), depth=2)
    >>> for batch in ahead: ...
    >>> ahead.close()   # also safe half-way through
"""
import queue
import threading

_ITEM, _END, _ERROR = 0, 1, 2


class Prefetcher:
    """Iterates ``source`` in a daemon thread, keeping at most ``depth`` items queued.

    ``close()`` stops the thread and waits for it; it is called at the end of the source, on an error
    (re-raised in the consumer), and should be called by a consumer that stops early.
    """

    def __init__(self, source, depth):
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(source,), name="framework-data-prefetch",
                                        daemon=True)
        self._thread.start()

    def _produce(self, source):
        try:
            for item in source:
                if self._stop.is_set():
                    return
                self._queue.put((_ITEM, item))
            self._queue.put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread, which re-raises it
            self._queue.put((_ERROR, exc))

    def __iter__(self):
        return self

    def __next__(self):
        kind, value = self._queue.get()
        if kind == _ITEM:
            return value
        self.close()
        if kind == _ERROR:
            raise value
        raise StopIteration

    def close(self):
        """Stop producing and join the thread (idempotent)."""
        self._stop.set()
        # Emptying the queue unblocks a producer waiting in put(); it then sees the stop flag before its
        # next item. Each put is followed by that check, so one pass of draining is enough.
        while self._thread.is_alive():
            try:
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
            self._thread.join(timeout=0.1)

    @property
    def alive(self):
        return self._thread.is_alive()
