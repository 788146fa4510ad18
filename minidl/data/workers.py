"""Worker processes of a ``DataLoader`` (``num_workers > 0``).

This module owns the processes that load batches in parallel: starting them
(``WorkerPool``), the loop each runs (``_worker_loop``), seeding them, moving
batches and errors back to the loader, noticing a worker that died, and
shutting them down so that nothing hangs -- also when an iterator is dropped
half-way through an epoch or the loader's process exits.

Each worker gets tasks ``(key, indices)`` on its own queue, builds the batch
with ``batching.fetch`` and writes ``(key, pickled batch)`` to a pipe of its own.
The batch is pickled in the worker, so that a batch that cannot be pickled
becomes an error for the loader instead of a silent loss; tensors in it travel
by value (values, device, requires_grad), as PyTorch's.

Seeding (PyTorch's): worker ``i`` of an iterator whose base seed is ``s`` seeds
minidl's global generator and Python's ``random`` with ``s + i``, and NumPy's
legacy global generator with a state derived from ``(s, i)``, so workers draw
different random numbers and a run is reproducible from ``minidl.manual_seed``.
Inside a worker ``get_worker_info()`` says which worker it is.

Start method: by default ``"forkserver"`` where the platform has it (the
default of Python 3.14 on Linux), else the platform's default. Plain ``fork``
is unsafe here: minidl's CPU kernels run on Numba's thread pool, and a process
forked after GNU OpenMP started that pool is killed when it runs a parallel
kernel. The data set, ``collate_fn`` and ``worker_init_fn`` must therefore be
picklable (as on macOS and Windows in PyTorch); ``multiprocessing_context=
"fork"`` is accepted for code that knows it is safe.
"""

from __future__ import annotations

import io
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import random
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass

import numpy as np

from .. import random as _random
from ..api.creation import from_numpy
from ..tensor import Tensor
from .batching import fetch

__all__ = ["WorkerInfo", "get_worker_info", "WorkerPool", "default_start_method"]

# How often a waiting worker checks that its parent is alive, and how often
# the loader checks that its workers are while it waits for a batch (seconds).
_STATUS_INTERVAL = 1.0
# How long shutdown waits for a worker to exit by itself before terminating it.
_JOIN_TIMEOUT = 5.0

_worker_info: WorkerInfo | None = None


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker process knows about itself (``get_worker_info()``).

    id: the worker's index, 0 .. num_workers - 1; num_workers: how many the
    loader started; seed: the seed its generators were given; dataset: its copy
    of the data set.
    """

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info() -> WorkerInfo | None:
    """In a ``DataLoader`` worker process, its ``WorkerInfo``; None in any other process."""
    return _worker_info


def default_start_method() -> str:
    """The start method workers use unless ``multiprocessing_context`` says otherwise."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        return "forkserver"
    return multiprocessing.get_start_method()


class _RemoteError:
    """An exception raised in a worker, carried to the loader with its traceback."""

    def __init__(self, where: str):
        exc_type, exc, tb = sys.exc_info()
        self.exc_type = exc_type
        self.where = where
        self.text = "".join(traceback.format_exception(exc_type, exc, tb))

    def reraise(self):
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.text}"
        try:
            error = self.exc_type(message)
        except Exception:  # an exception type that needs other arguments
            raise RuntimeError(message) from None
        raise error

    def __reduce__(self):
        # An exception class defined where the loader cannot import it (a local
        # class) travels as a RuntimeError rather than failing to unpickle.
        exc_type = self.exc_type
        try:
            pickle.dumps(exc_type)
        except Exception:
            exc_type = RuntimeError
        return (_rebuild_error, (exc_type, self.where, self.text))


def _rebuild_error(exc_type, where, text):
    error = _RemoteError.__new__(_RemoteError)
    error.exc_type, error.where, error.text = exc_type, where, text
    return error


def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    _random.manual_seed(seed)
    # NumPy's legacy global generator, which data augmentation code often uses:
    # otherwise every worker would inherit (fork) or draw the same numbers.
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def _rebuild_tensor(array: np.ndarray, device: str, requires_grad: bool) -> Tensor:
    tensor = from_numpy(array).to(device)
    return tensor.requires_grad_(True) if requires_grad else tensor


class _BatchPickler(pickle.Pickler):
    """Pickles tensors anywhere in a batch by value: their values, device and
    requires_grad (a view's link to its base, or a graph, cannot cross processes)."""

    def reducer_override(self, obj):
        if not isinstance(obj, Tensor):
            return NotImplemented
        if obj.requires_grad and not obj.is_leaf:
            raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which "
                               "requires_grad, since autograd does not support crossing "
                               "process boundaries.  If you just want to transfer the data, "
                               "call detach() on the tensor before serializing")
        array = np.array(obj.detach().numpy(), order="C")  # a copy, 0-d kept 0-d
        return _rebuild_tensor, (array, str(obj.device), obj.requires_grad)


def _pickled(key, data, worker_id: int) -> bytes:
    buffer = io.BytesIO()
    try:
        _BatchPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((key, data))
    except Exception:
        error = _RemoteError(f"pickling a batch in DataLoader worker process {worker_id}")
        return pickle.dumps((key, error), protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


class _Sender:
    """Writes a worker's results to the loader from a thread, so that the worker
    builds its next batch meanwhile (the loader reads one while it trains)."""

    def __init__(self, connection):
        self._queue = queue.SimpleQueue()
        thread = threading.Thread(target=self._run, args=(connection,), daemon=True)
        thread.start()

    def _run(self, connection):
        while True:
            try:
                connection.send_bytes(self._queue.get())
            except OSError:  # the loader closed its end: nobody reads any more
                return

    def send(self, payload: bytes) -> None:
        self._queue.put(payload)


def _worker_loop(dataset, auto_collation, collate_fn, index_queue, connection, done_event,
                 base_seed, worker_init_fn, worker_id, num_workers):
    """The body of a worker process: fetch batches until told to stop."""
    global _worker_info
    # The parent is the loader's process, or the fork server that started this
    # one; when it dies this process is re-parented, which is how it notices.
    parent_pid = os.getppid()
    # Ctrl-C is the loader's to handle; a worker just stops when it is told to.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    seed = _seed_worker(base_seed, worker_id)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    sender = _Sender(connection)
    init_error = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception:
            init_error = _RemoteError(f"in DataLoader worker process {worker_id}")
    while True:
        try:
            task = index_queue.get(timeout=_STATUS_INTERVAL)
        except queue.Empty:
            if os.getppid() != parent_pid:  # the parent is gone
                break
            continue
        if task is None or done_event.is_set():
            break
        key, indices = task
        if init_error is not None:
            data, init_error = init_error, None
        else:
            try:
                data = fetch(dataset, indices, auto_collation, collate_fn)
            except Exception:
                data = _RemoteError(f"in DataLoader worker process {worker_id}")
        sender.send(_pickled(key, data, worker_id))
        del data
    # Leaving now is safe: this process holds the only writing end of its pipe,
    # so a result cut short by the exit is an end of file for the loader, not a hang.


class WorkerPool:
    """``num_workers`` processes loading batches of ``dataset`` for one loader.

    ``send(worker_id, key, indices)`` gives a worker a task; ``receive()``
    returns the next finished ``(key, batch)`` in completion order, re-raising
    an exception from the worker. ``shutdown()`` stops the processes (also
    called when the pool is garbage collected).

    Each worker writes its results to a pipe of its own whose writing end only
    it holds: a worker that dies, even half-way through a result, is an end of
    file here rather than a read that never ends.
    """

    def __init__(self, dataset, auto_collation: bool, collate_fn, num_workers: int,
                 base_seed: int, worker_init_fn, context, timeout: float):
        if context is None:
            context = multiprocessing.get_context(default_start_method())
        elif isinstance(context, str):
            context = multiprocessing.get_context(context)
        self.timeout = timeout
        self.closed = False
        self._done_event = context.Event()
        self._index_queues = []
        self._readers = []
        self._ready = []  # readers with a result waiting
        self.workers = []
        try:
            for worker_id in range(num_workers):
                index_queue = context.Queue()
                # Tasks a dead worker never took must not block this process's exit.
                index_queue.cancel_join_thread()
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_worker_loop, daemon=True,
                    args=(dataset, auto_collation, collate_fn, index_queue, writer,
                          self._done_event, base_seed, worker_init_fn, worker_id, num_workers))
                self._index_queues.append(index_queue)
                self._readers.append(reader)
                self.workers.append(process)
                process.start()
                writer.close()  # the worker's now: see the class docstring
        except BaseException:
            self.shutdown()
            raise

    def send(self, worker_id: int, key, indices) -> None:
        self._index_queues[worker_id].put((key, indices))

    def receive(self):
        """The next finished ``(key, batch)``; raises RuntimeError when a worker
        died or nothing came within ``timeout`` seconds (when > 0)."""
        deadline = time.monotonic() + self.timeout if self.timeout > 0 else None
        while not self._ready:
            wait = _STATUS_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            self._ready = multiprocessing.connection.wait(self._readers, timeout=wait)
            if self._ready:
                break
            self._check_workers()
            if deadline is not None and time.monotonic() >= deadline:
                self.shutdown()
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")
        reader = self._ready.pop()
        try:
            payload = reader.recv_bytes()
        except (EOFError, OSError):  # its worker ended (a result may be cut short)
            worker = self.workers[self._readers.index(reader)]
            worker.join(timeout=_JOIN_TIMEOUT)
            self._raise_dead([worker])
        key, data = pickle.loads(payload)
        if isinstance(data, _RemoteError):
            self.shutdown()
            data.reraise()
        return key, data

    def _check_workers(self) -> None:
        dead = [w for w in self.workers if not w.is_alive()]
        if dead:
            self._raise_dead(dead)

    def _raise_dead(self, dead) -> None:
        codes = ", ".join(f"{w.pid} (exit code {w.exitcode})" for w in dead)
        self.shutdown()
        hint = ""
        if any(w.exitcode == -signal.SIGTERM for w in dead):
            hint = (" A worker started with multiprocessing_context='fork' is killed when it "
                    "runs a parallel CPU kernel after its parent started Numba's OpenMP "
                    "threads; use the default context ('forkserver') or 'spawn'.")
        raise RuntimeError(f"DataLoader worker (pid(s) {codes}) exited unexpectedly.{hint}")

    def shutdown(self) -> None:
        """Stop the workers: ask, wait up to a few seconds, then terminate."""
        if self.closed:
            return
        self.closed = True
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                try:
                    index_queue.put(None)
                except (OSError, ValueError):  # the queue is already closed
                    pass
            for reader in self._readers:
                reader.close()  # a worker still writing gets an error, not a wait
            for process in self.workers:
                if process.pid is None:  # never started
                    continue
                process.join(timeout=_JOIN_TIMEOUT)
                if process.is_alive():
                    process.terminate()
                    process.join()
            for index_queue in self._index_queues:
                index_queue.close()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass

    def __del__(self):
        self.shutdown()
