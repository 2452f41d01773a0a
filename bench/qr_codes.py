"""How long one copy's QR matrix takes: handouts/qr.py against qrcode and segno alone.

``python -m bench.qr_codes`` prints one JSON object per way of making the matrix (the best of
seven rounds of 1,000 distinct copy URLs, the ways taking turns so that a busy machine slows
each alike; microseconds per code) after checking that they all give the same modules for the
same URL, then the same for a whole 1,000-copy A4 print run drawn with each (pages per
second). The figures are quoted in handouts/qr.py.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from bench.handout_pdf import render_benchmark
from outreach_app.handouts import qr
from outreach_app.handouts.qr import FIXED_MASK_PATTERN, qr_matrix, qr_url
from outreach_app.handouts.tokens import make_token

COPIES = 1000
ROUNDS = 7
RENDER_ROUNDS = 3


def ours(data: str) -> list[list[bool]]:
    """handouts/qr.py: codewords and Reed-Solomon here, qrcode places them (fixed mask)."""
    return qr_matrix(data)


def qrcode_fixed_mask(data: str) -> list[list[bool]]:
    """qrcode alone, same mask, no optimisation of segments."""
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, border=0, mask_pattern=FIXED_MASK_PATTERN
    )
    code.add_data(data, optimize=0)
    code.make(fit=True)
    return code.modules  # type: ignore[return-value]


def segno_fixed_mask(data: str) -> list[list[bool]]:
    """segno alone, same mask and error level (no boost, so the same version)."""
    code = segno.make_qr(data, error="m", mask=FIXED_MASK_PATTERN, boost_error=False)
    return [[bool(v) for v in row] for row in code.matrix]


WAYS: dict[str, Callable[[str], list[list[bool]]]] = {
    "handouts.qr": ours,
    "qrcode, fixed mask": qrcode_fixed_mask,
}
try:
    import segno  # not a dependency of the app: compared when installed
except ImportError:
    pass
else:
    WAYS["segno, fixed mask"] = segno_fixed_mask


def main() -> None:
    """Check that the ways agree, then time each."""
    base = "https://outreach.example-bank.cn/s/"
    urls = [
        qr_url(base + make_token("bench", 0x1234_5678_9ABC_DEF0, n)) for n in range(1, COPIES + 1)
    ]
    for url in urls[:50]:
        reference = ours(url)
        for name, way in WAYS.items():
            if way(url) != reference:
                sys.exit(f"{name} gives other modules for {url}")
    rounds: dict[str, list[float]] = {name: [] for name in WAYS}
    for _ in range(ROUNDS):
        for name, way in WAYS.items():
            start = time.perf_counter()
            for url in urls:
                way(url)
            rounds[name].append((time.perf_counter() - start) / COPIES * 1e6)
    for name, times in rounds.items():
        print(json.dumps({"way": name, "us_per_code": round(min(times), 1)}))
    pages: dict[str, list[float]] = {name: [] for name in WAYS}
    for _ in range(RENDER_ROUNDS):
        for name, way in WAYS.items():
            qr.qr_matrix = way  # what draw_qr calls
            pages[name].append(render_benchmark(copies=COPIES))
    qr.qr_matrix = ours
    for name, rates in pages.items():
        print(json.dumps({"way": name, "a4_pages_per_s": round(max(rates))}))


if __name__ == "__main__":
    main()
