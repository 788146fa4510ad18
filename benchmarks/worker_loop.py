"""The request loop every benchmark worker process runs, and the timing of a
workload's steps. Imports only the standard library, and is imported by a
worker before any framework, so the environment it records is the one the
process started with.

The harness writes one JSON request per line to a worker's stdin
({"cmd": name, ...arguments}) and reads one JSON reply per line,
{"ok": result} or {"error": traceback}. Replies go to a private copy of the
original stdout; anything a library prints lands on stderr instead, so it
can never garble a reply.
"""

import json
import os
import sys
import time
import traceback

ENVIRONMENT_AT_START = {name: os.environ.get(name) for name in
                        ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                         "NUMBA_NUM_THREADS", "GOMP_SPINCOUNT")}


def time_steps(step, warmup, repeats, budget_s=None, min_repeats=1):
    """Run ``step`` ``warmup`` times untimed, then up to ``repeats`` times (fewer,
    but at least ``min_repeats``, once the timed runs took ``budget_s``); return
    the seconds each timed run took."""
    for _ in range(warmup):
        step()
    clock = time.perf_counter
    seconds = []
    started = clock()
    for done in range(repeats):
        if budget_s is not None and done >= min_repeats and clock() - started > budget_s:
            break
        start = clock()
        step()
        seconds.append(clock() - start)
    return seconds


def process_facts():
    """What the harness checks for fairness: which frameworks this process has
    loaded, and the OpenMP settings it started with and has now."""
    return {"pid": os.getpid(),
            "torch_imported": "torch" in sys.modules,
            "minidl_imported": "minidl" in sys.modules,
            "environment_at_start": ENVIRONMENT_AT_START,
            "omp_wait_policy_now": os.environ.get("OMP_WAIT_POLICY")}


def serve(handlers):
    """Answer requests from stdin with ``handlers`` (name -> function taking the
    request's arguments and returning something JSON can hold) until "quit"
    or the end of stdin."""
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    handlers = {"facts": process_facts, **handlers}
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        request = json.loads(line)
        command = request.pop("cmd")
        if command == "quit":
            return
        try:
            reply = {"ok": handlers[command](**request)}
        except Exception:  # reported to the harness, which stops the run
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")


def workload_handlers(make_workload):
    """The requests every framework worker answers, given ``make_workload(name,
    inputs_folder, weights_folder)``, which returns an object with ``reset()``
    (back to the initial weights and a fresh optimizer), ``step()`` (one timed
    unit of work) and ``check(out_folder)`` (write the outputs the harness
    compares across frameworks; return any scalars to compare, e.g. losses).

    setup(work, inputs, weights) -> None, after 3 untimed steps (the first
    calls load compiled kernels and fill caches); check(work, out) -> the
    check's scalars; time(work, warmup, repeats, budget_s, min_repeats) ->
    {"seconds": [...]} measured from the initial weights (see time_steps)."""
    works = {}

    def setup(work, inputs, weights=None):
        works[work] = make_workload(work, inputs, weights)
        time_steps(works[work].step, 3, 0)
        works[work].reset()

    def check(work, out):
        os.makedirs(out, exist_ok=True)
        works[work].reset()
        result = works[work].check(out)
        works[work].reset()
        return result

    def time_work(work, warmup, repeats, budget_s=None, min_repeats=1):
        works[work].reset()
        return {"seconds": time_steps(works[work].step, warmup, repeats, budget_s, min_repeats)}

    return {"setup": setup, "check": check, "time": time_work}, works
