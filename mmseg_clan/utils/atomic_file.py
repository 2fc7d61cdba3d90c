"""Durable file replacement: a reader sees the old file or the complete new one, never a part."""
import os
import os.path as osp
import shutil

TEMP_SUFFIX = '.writing'  # a file being written; renamed to its name without it when complete


def fsync_folder(folder: str) -> None:
    """Flush a folder's entries (e.g. a rename into it) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(tmp_path: str, path: str) -> None:
    """fsync the complete ``tmp_path``, rename it to ``path`` and fsync their folder."""
    with open(tmp_path, 'rb+') as f:
        os.fsync(f.fileno())
    os.replace(tmp_path, path)
    fsync_folder(osp.dirname(osp.abspath(path)))


def write_failure(path: str, error: BaseException) -> OSError:
    """An OSError naming ``path``, the cause and the free space of its disk (e.g. ENOSPC)."""
    folder = osp.dirname(osp.abspath(path))
    try:
        free = f'{shutil.disk_usage(folder).free / 2**20:.1f} MiB free in {folder}'
    except OSError:
        free = f'free space of {folder} unknown'
    return OSError(getattr(error, 'errno', None),
                   f'cannot write {path} ({type(error).__name__}: {error}); {free}; the '
                   'partial file was removed')


def write_bytes_atomically(path: str, data: bytes, tmp_path: str | None = None) -> None:
    """Write ``data`` to ``tmp_path`` (default ``path`` + TEMP_SUFFIX), fsync it and rename it
    to ``path``; an interrupted write leaves the old file or the new one, never a part."""
    tmp_path = path + TEMP_SUFFIX if tmp_path is None else tmp_path
    try:
        with open(tmp_path, 'wb') as f:
            f.write(data)
            f.flush()
        replace_durably(tmp_path, path)
    except OSError as e:
        raise write_failure(path, e) from e
    finally:
        if osp.exists(tmp_path):
            os.remove(tmp_path)


def write_text_atomically(path: str, text: str) -> None:
    """:func:`write_bytes_atomically` of ``text`` in UTF-8."""
    write_bytes_atomically(path, text.encode('utf-8'))
