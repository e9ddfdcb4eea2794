"""Overlap order generation with SQLite writing: chunks are made in a second process.

Writing rows into SQLite is single-threaded and costs about as much CPU as generating them, so on a
multi-core machine a producer process generates chunk k+1 while this process writes chunk k. The chunk
sequence is the same as in-process generation (same seeds, same order), so the output bytes do not
depend on this. A small queue bounds how far the producer runs ahead (memory).
"""

from __future__ import annotations

import multiprocessing as mp
import traceback
from collections.abc import Iterator
from queue import Empty

from salesglass.simulate.orders import Chunk, Sellers, chunks_of, generate_chunks
from salesglass.simulate.partners import Partners


def _produce(queue, seed: int, sellers: Sellers, p: Partners, start: int, end: int, size: int) -> None:
    try:
        for chunk in generate_chunks(seed, sellers, p, start, end, size):
            queue.put(chunk)
        queue.put(None)
    except BaseException:  # hand the failure to the writer instead of leaving it waiting
        queue.put(traceback.format_exc())


def order_chunks(seed: int, sellers: Sellers, p: Partners, start: int, end: int, size: int) -> Iterator[Chunk]:
    """The chunks of generate_chunks, produced in a child process when there is more than one."""
    if len(chunks_of(sellers, size)) <= 1 or mp.cpu_count() < 2:
        yield from generate_chunks(seed, sellers, p, start, end, size)
        return
    ctx = mp.get_context("spawn")  # no fork: the parent may run threads (progress bars)
    queue = ctx.Queue(maxsize=1)
    proc = ctx.Process(target=_produce, args=(queue, seed, sellers, p, start, end, size), daemon=True)
    proc.start()
    try:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not proc.is_alive():
                    raise RuntimeError("the order generator process stopped unexpectedly") from None
                continue
            if item is None:
                break
            if isinstance(item, str):
                raise RuntimeError(f"order generation failed in the producer process:\n{item}")
            yield item
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()
