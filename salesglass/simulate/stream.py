"""Overlap order generation with SQLite writing: chunks are made in a second Python process.

Writing rows into SQLite is single-threaded and costs more CPU than generating them, so on a multi-core
machine a producer process generates chunk k+1 while this process writes chunk k. The producer is a plain
`python -c` child fed its inputs over stdin and sending pickled chunks over stdout (not multiprocessing:
that re-imports the caller's main module, which breaks callers without a `__main__` guard). The pipe
bounds how far the producer runs ahead (memory). The chunk sequence is exactly that of in-process
generation, so the output bytes do not depend on this.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import salesglass
from salesglass.simulate.orders import Chunk, Sellers, chunks_of, generate_chunks
from salesglass.simulate.partners import Partners

_CHILD = "from salesglass.simulate.stream import producer_main; producer_main()"


def _send(fd: int, item: object) -> None:
    """Write one pickle with os.write until every byte is out.

    Not through sys.stdout.buffer: when the process is stopped and continued (Ctrl-Z and `fg`, `kill -STOP`
    / `-CONT`) during a large write, the pipe takes part of it and Python's buffered writer lost the rest,
    so the reader failed with "invalid load key" after half an hour of a scale-l generation."""
    data = memoryview(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
    while data:
        data = data[os.write(fd, data) :]


def producer_main() -> None:
    """Entry point of the producer process: read the inputs, write chunks, then None (or a traceback)."""
    out = sys.stdout.fileno()
    try:
        seed, sellers, partners, start, end, size = pickle.load(sys.stdin.buffer)
        for chunk in generate_chunks(seed, sellers, partners, start, end, size):
            _send(out, chunk)
        _send(out, None)
    except BrokenPipeError:
        return  # the writer stopped early (an error on its side); nothing to report
    except BaseException:
        _send(out, traceback.format_exc())


def order_chunks(seed: int, sellers: Sellers, p: Partners, start: int, end: int, size: int) -> Iterator[Chunk]:
    """The chunks of generate_chunks, produced in a child process when there is more than one."""
    if len(chunks_of(sellers, size)) <= 1 or (os.cpu_count() or 1) < 2:
        yield from generate_chunks(seed, sellers, p, start, end, size)
        return
    root = str(Path(salesglass.__file__).resolve().parents[1])  # the child imports this same code
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=root
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        pickle.dump((seed, sellers, p, start, end, size), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
        while True:
            try:
                item = pickle.load(proc.stdout)
            except EOFError:
                raise RuntimeError("the order generator process stopped unexpectedly") from None
            if item is None:
                break
            if isinstance(item, str):
                raise RuntimeError(f"order generation failed in the producer process:\n{item}")
            yield item
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
