"""Durable file replacement: a reader sees the old file or the complete new one, never a part."""
import os
import os.path as osp

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


def write_text_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` + TEMP_SUFFIX, flush and fsync it, then rename it to ``path``."""
    tmp_path = path + TEMP_SUFFIX
    with open(tmp_path, 'w') as f:
        f.write(text)
        f.flush()
    replace_durably(tmp_path, path)
