"""Small shared helpers: time as int64 UTC seconds, Moscow wall-clock text, 24-hex ids, stable JSON.

Everything inside the generator keeps time as UTC unix seconds in numpy int64 arrays; Moscow has been
UTC+3 all year since 2014, so wall-clock text is a fixed shift.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, overload

import numpy as np

MSK = 3 * 3600
DAY = 86_400
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_B32 = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case (amoCRM event ids look like this)


def msk_midnight(d: date) -> int:
    """UTC seconds of 00:00 Moscow time on day `d`."""
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) - MSK


def msk_text(ts: np.ndarray) -> np.ndarray:
    """Naive Moscow wall-clock 'YYYY-MM-DD HH:MM:SS' for UTC seconds (vectorised)."""
    s = (np.asarray(ts, dtype=np.int64) + MSK).astype("datetime64[s]").astype("U19")
    return np.strings.replace(s, "T", " ")


def utc_text(ts: np.ndarray) -> np.ndarray:
    """Naive UTC 'YYYY-MM-DD HH:MM:SS' (the back-office's event start quirk)."""
    s = np.asarray(ts, dtype=np.int64).astype("datetime64[s]").astype("U19")
    return np.strings.replace(s, "T", " ")


def msk_date_text(ts: np.ndarray) -> np.ndarray:
    """Moscow calendar date 'YYYY-MM-DD'."""
    return (np.asarray(ts, dtype=np.int64) + MSK).astype("datetime64[s]").astype("datetime64[D]").astype("U10")


def iso_utc(ts: int) -> str:
    """'YYYY-MM-DDTHH:MM:SSZ' for one UTC second."""
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def msk_month_index(ts: np.ndarray, first_month: date) -> np.ndarray:
    """Months since `first_month` of each time's Moscow calendar month."""
    months = (np.asarray(ts, dtype=np.int64) + MSK).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    base = np.datetime64(first_month, "M").astype(np.int64)
    return months - base


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection on uint64, so distinct inputs give distinct, random-looking ids."""
    x = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def object_ids(ts: np.ndarray, tag: int, index: np.ndarray) -> list[str]:
    return object_id_array(ts, tag, index).tolist()


def object_id_array(ts: np.ndarray, tag: int, index: np.ndarray) -> np.ndarray:
    """MongoDB-ObjectId-like 24-hex ids: 4 bytes of creation time, then 8 unique bytes for (tag, index).

    Unique across tables because `tag` (the table) sits in the top bits of a bijective mix.
    """
    n = len(index)
    head = np.asarray(ts, dtype=np.int64).clip(0, 2**32 - 1).astype(">u4").view(np.uint8).reshape(n, 4)
    key = (np.uint64(tag) << np.uint64(48)) | np.asarray(index, dtype=np.uint64)
    tail = _mix64(key).astype(">u8").view(np.uint8).reshape(n, 8)
    raw = np.concatenate([head, tail], axis=1)
    out = np.empty((n, 24), dtype=np.uint8)
    out[:, 0::2] = _HEX[raw >> 4]
    out[:, 1::2] = _HEX[raw & 15]
    return out.view("S24").ravel().astype("U24")


def event_id(created_at: int, seq: int, noise: int) -> str:
    """A ULID-like lower-case id: time first, then the global sequence, so ids sort like (created_at, seq)."""
    value = ((created_at * 1000) << 80) | ((seq & (2**40 - 1)) << 40) | (noise & (2**40 - 1))
    chars = []
    for _ in range(26):
        chars.append(_B32[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def dump_json(path: Path, obj: Any) -> None:
    """Stable JSON: sorted keys, fixed separators, UTF-8 (same input → same bytes)."""
    path.write_text(json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")


def json_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@overload
def lognormal(rng: np.random.Generator, median: float, sigma: float) -> float: ...
@overload
def lognormal(rng: np.random.Generator, median: float, sigma: float, size: int | tuple[int, ...]) -> np.ndarray: ...
def lognormal(
    rng: np.random.Generator, median: float, sigma: float, size: int | tuple[int, ...] = ()
) -> float | np.ndarray:
    """One draw (a numpy float64, which is a float) or an array of `size` draws around `median`."""
    return median * np.exp(sigma * rng.standard_normal(size))
