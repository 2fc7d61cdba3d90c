"""Runs in parallel threads, each driving child processes, that one Ctrl-C stops together."""
import signal
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, List, Sequence

STOP_GRACE_SECONDS = 10  # a child that ignores SIGINT this long is killed


class RunsInterrupted(RuntimeError):
    """Ctrl-C stopped the runs; the message says which were interrupted and which not started."""


class InterruptibleRuns:
    """Child processes started with :meth:`popen` and runs started with :meth:`map`: on
    KeyboardInterrupt no queued run starts, every running child gets SIGINT (then SIGKILL) and
    :class:`RunsInterrupted` reports each run's state."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._children: set = set()
        self._lock = threading.Lock()

    def popen(self, command: Sequence[str], **kwargs) -> subprocess.Popen:
        """``subprocess.Popen``, refused once the runs are stopping."""
        with self._lock:
            if self.stopping.is_set():
                raise RunsInterrupted(f'not started (stopping): {" ".join(command)}')
            child = subprocess.Popen(command, **kwargs)
            self._children.add(child)
        return child

    def release(self, child: subprocess.Popen) -> None:
        """Forget a child that has exited."""
        with self._lock:
            self._children.discard(child)

    def stop(self) -> None:
        """Start nothing more; SIGINT every running child, SIGKILL it after the grace time."""
        with self._lock:
            self.stopping.set()
            children = list(self._children)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def map(self, function: Callable, items: Sequence, labels: Sequence[str],
            jobs: int) -> List:
        """``function(item)`` for every item, ``jobs`` at a time, results in ``items``' order;
        a KeyboardInterrupt stops them all and raises RunsInterrupted naming each run's state."""
        pool = ThreadPoolExecutor(max_workers=jobs)
        futures = [pool.submit(function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            self.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            raise RunsInterrupted(states(labels, futures)) from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def states(labels: Sequence[str], futures: Sequence[Future]) -> str:
    """'interrupted by Ctrl-C; interrupted: a, b; not started: c; finished: d'."""
    groups = {'interrupted': [], 'not started': [], 'finished': []}
    for label, future in zip(labels, futures):
        if future.cancelled() or isinstance(future.exception(), RunsInterrupted):
            groups['not started'].append(label)
        elif future.exception() is not None:
            groups['interrupted'].append(label)
        else:
            groups['finished'].append(label)
    return 'interrupted by Ctrl-C; ' + '; '.join(
        f'{state}: {", ".join(names) or "none"}' for state, names in groups.items())
