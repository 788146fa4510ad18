"""The processes the harness runs: framework workers (one per framework, each
answering JSON requests, see worker_loop.py) and busy-looping processes that
compete for the cores. Imports no framework: every framework lives in a
worker process of its own.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

BUSY_CODE = {
    # the interpreter spinning: a competing Python program
    "python": "print('ready', flush=True)\nwhile True:\n    pass\n",
    # NumPy streaming a 4 MiB array: competes for the memory bandwidth too
    "numpy": ("import numpy as np\na = np.ones(1 << 20, dtype=np.float32)\n"
              "print('ready', flush=True)\nwhile True:\n    np.multiply(a, 1.0, out=a)\n"),
}


class WorkerError(RuntimeError):
    pass


class Worker:
    """A framework worker process: ``call(cmd, **arguments)`` sends one request
    and returns its result. Its stderr goes to ``log_path``."""

    def __init__(self, label, script, args=(), log_path=os.devnull):
        self.label = label
        self.log_path = log_path
        self._log = open(log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, script), *args], cwd=HERE,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True)

    @property
    def pid(self):
        return self.process.pid

    def call(self, cmd, **arguments):
        try:
            self.process.stdin.write(json.dumps({"cmd": cmd, **arguments}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # reported below, with the worker's log
        line = self.process.stdout.readline()
        if not line:
            raise WorkerError(f"the {self.label} worker stopped during {cmd!r}:\n"
                              + self.log_tail())
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"the {self.label} worker failed in {cmd!r}:\n{reply['error']}")
        return reply["ok"]

    def log_tail(self, characters=3000):
        self._log.flush()
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()[-characters:]
        except OSError:
            return "(no log)"

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def cpu_seconds(pid):
    """User + system CPU seconds a process (all its threads) has used so far,
    or None where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_cpu_seconds():
    """CPU seconds all processes on the machine (not only ours, and across
    containers sharing it) have used so far, from /proc/stat, or None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        # user, nice, system, (idle, iowait excluded), irq, softirq, steal
        busy = fields[0] + fields[1] + fields[2] + sum(fields[5:8])
        return busy / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class BusyLoad:
    """``count`` busy-looping processes of ``kind`` ("python" or "numpy"),
    running from entry (once each has started looping) to exit of a with block.
    A count of 0 does nothing."""

    def __init__(self, count, kind="python"):
        if kind not in BUSY_CODE:
            raise ValueError(f"busy kind must be one of {sorted(BUSY_CODE)}, got {kind!r}")
        self.count = count
        self.kind = kind
        self.processes = []
        self.cpu_seconds = 0.0  # what the processes used, known after the block

    def __enter__(self):
        try:
            for _ in range(self.count):
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-c", BUSY_CODE[self.kind]], stdout=subprocess.PIPE,
                    stdin=subprocess.DEVNULL, text=True))
            for process in self.processes:
                if process.stdout.readline().strip() != "ready":
                    raise RuntimeError("a busy process did not start")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            self.cpu_seconds += cpu_seconds(process.pid) or 0.0
            process.kill()
        for process in self.processes:
            process.wait()
            process.stdout.close()
        self.processes = []
        return False
