"""How the CPU kernels share the machine's cores: a small thread pool of
minidl's own, a grain size below which work stays on the calling thread, and
BLAS held to one thread inside minidl's matrix products.

Choices, each measured on a 2-core machine (medians of alternating runs):

- Work below ``GRAIN`` (in elements touched) runs serially in the calling
  thread. A parallel region waits for its slowest thread, and a thread the
  operating system has descheduled (another busy process, another thread
  pool) stalls it for a whole time slice: the paper's MLP step, all of whose
  arrays are about 60 x 100, took 72 ms with two busy processes on the
  machine when its kernels ran parallel (1.3 ms on a quiet one). Serial, a
  small kernel never waits for anyone.
- Larger work is cut into chunks of independent items (planes, channels,
  rows), and the calling thread and the pool's workers each take the next
  chunk when they are free. A worker that is slow to wake or descheduled only
  means the others take more chunks; nothing waits for a thread that has not
  started. No result depends on how the items are split or who ran which
  chunk, so results are the same for any thread count.
- Not Numba's ``parallel=True``: its threading layer is process-wide (one
  per process, chosen at the first parallel call, shared with every other
  Numba user), and the default OpenMP layer leaves its threads spinning after
  each region (GNU OpenMP's default wait policy). Those spinning threads took
  the cores from BLAS and from Python: on a loaded machine the paper MLP
  step took 8 ms instead of 1.4 ms, the small Inception step 166 ms instead
  of 88 ms. Only ``OMP_WAIT_POLICY=passive`` tamed it, and that is an
  environment variable PyTorch's OpenMP runtime reads too (it made PyTorch's
  MLP step 5x slower in the same process). The workqueue layer does not spin
  (1.47 ms, 81 ms there) but is just as process-wide. The pool here is
  minidl's own and changes nothing outside it: its threads sleep on a queue
  between jobs, and the kernels it runs are ordinary ``nogil`` Numba
  functions.
- BLAS: minidl's matrix products run with the BLAS library held to one
  thread for the duration of the call (``single_threaded_blas``), and the
  large ones are split over the pool like any other kernel, so BLAS threads
  and minidl's threads never compete for the cores. On the MLP's products
  (60 x 784 x 100) a second BLAS thread gained nothing. The limit is set and
  restored around each call, never left in place. threadpoolctl finds the
  BLAS libraries loaded in the process (its import sets KMP_DUPLICATE_LIB_OK
  in os.environ; that is undone when it was not set before).

The number of threads is ``NUMBA_NUM_THREADS`` when set, else the number of
CPUs this process may run on, until ``set_num_threads`` changes it.
``parallel_for`` is the one entry point the kernel launchers use.
"""

import ctypes
import itertools
import os
import queue
import sys
import threading

import numba

__all__ = ["GRAIN", "get_num_threads", "set_num_threads", "parallel_for",
           "single_threaded_blas", "chunk_count", "prepare_device"]

# Elements touched (read + written) below which a kernel runs serially: about
# 25 to 35 microseconds of memory-bound work (0.1 ns an element), several
# times what handing work to another thread costs (5 to 10 microseconds on a
# quiet machine). Every array of the paper's MLP (60 x 100, 60 x 784) stays
# below it, and most of the small Inception net's activations are above it.
GRAIN = 1 << 18

# Chunks per thread: enough for a late or descheduled thread to leave its
# share to the others, few enough that each kernel call still does real work.
_CHUNKS_PER_THREAD = 4

def _default_threads():
    if os.environ.get("NUMBA_NUM_THREADS"):
        return max(1, int(numba.config.NUMBA_NUM_THREADS))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


_state = {"threads": _default_threads()}


def prepare_device():
    """What the CPU backend runs when it is created: nothing. Threads start on
    the first parallel kernel, and no process-wide setting is ever changed."""


def get_num_threads():
    """The number of threads minidl's CPU kernels use (calling thread included)."""
    return _state["threads"]


def set_num_threads(count):
    """Use ``count`` threads (>= 1) in minidl's CPU kernels from now on; 1
    makes every kernel run in the calling thread. Returns the previous count."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"set_num_threads: expected an int >= 1, got {count!r}")
    previous = _state["threads"]
    _state["threads"] = count
    return previous


def chunk_count(n_items, cost, per_thread=_CHUNKS_PER_THREAD):
    """How many chunks ``parallel_for`` cuts ``n_items`` items into for work of
    ``cost`` elements: 1 below the grain size or with one thread, else up to
    ``per_thread`` per thread, each worth at least a quarter of the grain."""
    threads = _state["threads"]
    if threads <= 1 or cost < GRAIN or n_items < 2:
        return 1
    return int(min(n_items, per_thread * threads, max(2, 4 * cost // max(GRAIN, 1))))


# ----------------------------------------------------------------------------- the pool


class _Job:
    """One parallel_for call: chunk i covers items [i*n//k, (i+1)*n//k)."""

    __slots__ = ("kernel", "args", "n_items", "n_chunks", "take", "count_done", "finished",
                 "error")

    def __init__(self, kernel, n_items, n_chunks, args):
        self.kernel = kernel
        self.args = args
        self.n_items = n_items
        self.n_chunks = n_chunks
        self.take = itertools.count().__next__        # atomic under the GIL
        self.count_done = itertools.count(1).__next__
        self.finished = threading.Lock()
        self.finished.acquire()
        self.error = None

    def work(self):
        n_chunks = self.n_chunks
        while True:
            chunk = self.take()
            if chunk >= n_chunks:  # all taken: a late worker leaves without touching args
                return
            lo = chunk * self.n_items // n_chunks
            hi = (chunk + 1) * self.n_items // n_chunks
            try:
                self.kernel(lo, hi, *self.args)
            except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
                self.error = exc
            if self.count_done() == n_chunks:
                self.finished.release()


class _Pool:
    def __init__(self):
        self.jobs = queue.SimpleQueue()
        self.workers = 0
        self.lock = threading.Lock()

    def ensure(self, count):
        """Make sure ``count`` worker threads run (they never exit)."""
        if self.workers >= count:
            return
        with self.lock:
            while self.workers < count:
                threading.Thread(target=self._serve, name=f"minidl-cpu-{self.workers}",
                                 daemon=True).start()
                self.workers += 1

    def _serve(self):
        get = self.jobs.get
        while True:
            get().work()


_pool = _Pool()


def _after_fork_in_child():
    global _pool
    _pool = _Pool()  # the parent's workers do not exist in the child
    single_threaded_blas._lock = threading.Lock()  # another thread may have held it


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def parallel_for(kernel, n_items, args, cost, per_thread=_CHUNKS_PER_THREAD):
    """Run ``kernel(lo, hi, *args)`` over items [0, n_items).

    ``kernel`` must be compiled with ``nogil=True`` (or release the GIL, as
    NumPy's matmul does), handle any sub-range [lo, hi) and write nothing that
    another sub-range writes, so the results do not depend on the split.
    ``cost`` (elements touched) decides between one serial call in this
    thread and chunks spread over the pool (at most ``per_thread`` per thread:
    1 for kernels that lose efficiency when their items are cut finer)."""
    n_chunks = chunk_count(n_items, cost, per_thread)
    if n_chunks == 1:
        kernel(0, n_items, *args)
        return
    job = _Job(kernel, n_items, n_chunks, args)
    pool = _pool
    helpers = min(_state["threads"], n_chunks) - 1
    pool.ensure(helpers)
    for _ in range(helpers):
        pool.jobs.put(job)
    job.work()
    job.finished.acquire()
    job.args = None  # a worker that wakes late must not keep the arrays alive
    if job.error is not None:
        raise job.error


# ----------------------------------------------------------------------------- BLAS


class _BlasLibrary:
    """get/set of one BLAS library's thread count through ctypes. ``per_thread``
    libraries (OpenBLAS built on OpenMP) keep a count per calling thread."""

    def __init__(self, get, set_, per_thread):
        self.get = get
        self.set = set_
        self.per_thread = per_thread


def _import_threadpoolctl():
    """threadpoolctl, imported without the one thing its import changes: it sets
    KMP_DUPLICATE_LIB_OK=True in os.environ (for Intel's OpenMP runtime), a
    setting other libraries read; when it was not set before, it is removed
    again. None when threadpoolctl is not installed."""
    already = "threadpoolctl" in sys.modules
    had_variable = "KMP_DUPLICATE_LIB_OK" in os.environ
    try:
        import threadpoolctl
    except ImportError:
        return None
    if not already and not had_variable:
        os.environ.pop("KMP_DUPLICATE_LIB_OK", None)
    return threadpoolctl


def _find_blas():
    """The BLAS libraries loaded in this process whose thread count we can set.

    threadpoolctl finds them (and their file paths); the calls themselves go
    straight through ctypes, because threadpoolctl's limit context costs about
    20 microseconds, as much as a small product."""
    threadpoolctl = _import_threadpoolctl()
    if threadpoolctl is None:
        return []
    ThreadpoolController = threadpoolctl.ThreadpoolController
    names = {"openblas": [(f"{p}openblas_get_num_threads{s}", f"{p}openblas_set_num_threads{s}")
                          for p, s in itertools.product(("", "scipy_"), ("", "64_", "_64"))],
             "mkl": [("MKL_Get_Max_Threads", "MKL_Set_Num_Threads")],
             "blis": [("bli_thread_get_num_threads", "bli_thread_set_num_threads")]}
    libraries = []
    for controller in ThreadpoolController().select(user_api="blas").lib_controllers:
        try:
            dll = ctypes.CDLL(controller.filepath)
        except OSError:
            continue
        per_thread = getattr(controller, "threading_layer", None) == "openmp"
        for get_name, set_name in names.get(controller.internal_api, ()):
            get = getattr(dll, get_name, None)
            set_ = getattr(dll, set_name, None)
            if get is not None and set_ is not None:
                libraries.append(_BlasLibrary(get, set_, per_thread))
                break
    return libraries


class _SingleThreadedBlas:
    """Context manager: BLAS on one thread inside, the previous count restored
    on exit. Nested and concurrent uses (several Python threads, the pool's
    workers) share one process-wide limit: the first to enter sets it, the last
    to leave restores it; a per-thread library is limited in each thread that
    enters."""

    def __init__(self):
        self._shared = None
        self._per_thread = None
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = ()
        self._local = threading.local()

    def _discover(self):
        libraries = _find_blas()
        self._per_thread = [lib for lib in libraries if lib.per_thread]
        self._shared = [lib for lib in libraries if not lib.per_thread]

    def __enter__(self):
        if self._shared is None:
            self._discover()
        if self._shared:
            with self._lock:
                if self._depth == 0:
                    self._saved = _limit(self._shared)
                self._depth += 1
        if self._per_thread:
            local = self._local
            depth = getattr(local, "depth", 0)
            if depth == 0:
                local.saved = _limit(self._per_thread)
            local.depth = depth + 1
        return self

    def __exit__(self, *exc_info):
        if self._shared:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    _restore(self._shared, self._saved)
                    self._saved = ()
        if self._per_thread:
            local = self._local
            local.depth -= 1
            if local.depth == 0:
                _restore(self._per_thread, local.saved)
        return False


def _limit(libraries):
    saved = []
    for lib in libraries:
        previous = lib.get()
        saved.append(previous)
        if previous != 1:
            lib.set(1)
    return saved


def _restore(libraries, saved):
    for lib, previous in zip(libraries, saved):
        if previous != 1:
            lib.set(previous)


single_threaded_blas = _SingleThreadedBlas()
