"""The dashboard server's memory: glibc's malloc keeps what the server's threads free unless told
otherwise, so without these the process grew with every round of sessions although every object
was freed (benchmarks/bench_sessions.py)."""
from __future__ import annotations

import ctypes
import gc
import resource
import time
from pathlib import Path

from tornado.ioloop import IOLoop

M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 128 * 1024             # glibc's initial threshold, kept fixed


def glibc():
    """The C library when it is glibc (mallopt, malloc_trim), else None."""
    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except OSError:
        return None


def tune_malloc(arenas: int = 2) -> None:
    """Let glibc's malloc keep at most ``arenas`` arenas, and serve every block of 128 KiB or more by its
    own mapping, returned to the system when freed. By default threads get up to 8 arenas per core, each
    keeping what it frees (the dashboard starts threads for every run and live figure); and the mapping
    threshold grows to the size of each mapped block that is freed (up to 32 MiB), so a run's tensors,
    once freed, make later ones of that size come from the heap. Five cycles of two closed Critic pages on a
    server of its own, read with no session open (2026-12-01): resident 505, 507, 505, 506, 506 MB with the
    threshold fixed, the heap 144–148 MB; 531, 527, 529, 529, 529 MB with it growing, the heap 169 → 214 MB
    (its free part 30 → 75 MB, handed back by ``return_freed_memory`` but kept mapped). Elsewhere than glibc:
    nothing."""
    libc = glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def return_freed_memory() -> None:
    """Collect garbage, then hand the heap's free pages back to the system (glibc's malloc_trim).
    Freed memory otherwise stays in the process: over five cycles of eight closed Critic pages the
    server's RSS went 652, 776, 791 MB (+21 % by the third cycle) with every LabView and session
    freed; with this after each cycle 598, 597, 598, 599, 606 MB (+1.4 %)."""
    gc.collect()
    libc = glibc()
    if libc is not None:
        libc.malloc_trim(0)


def freeze_startup_objects() -> None:
    """Collect garbage, then move every object still alive — the modules, classes and functions of torch,
    Panel, Bokeh and the lab, which live as long as the process — out of the garbage collector's reach
    (``gc.freeze``): each later full collection, on the server's event loop after a burst of closed pages
    and whenever Python walks its oldest generation, then walks only what was made after start-up (the
    lazily built tabs' imports and caches, and the sessions: 294,700 of 645,244 objects). For a process
    of its own: frozen objects that later become unreachable in a cycle are never freed
    (benchmarks/bench_gc_pause.py measures both)."""
    gc.collect()
    gc.freeze()


def resident_mb() -> float | None:
    """This process's resident memory in MB (Linux's /proc), else None."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20
    except (OSError, IndexError, ValueError):
        return None


class ReturnWhenQuiet:
    """Call ``return_freed_memory`` once no session has been destroyed for ``quiet_s`` seconds (Panel
    collects a destroyed session's garbage ~5 s after the last one): one collection per burst of
    closing pages, on the server's event loop, not one per page. Each return prints one line with the
    resident memory after it and the number of sessions still open, for whoever watches the server's
    console: memory read while pages are open includes theirs. (A session can end while its page is
    still open: one whose websocket did not connect within the server's unused-session lifetime is
    destroyed, and the page then gets a new one.)"""

    def __init__(self, quiet_s: float = 6.0):
        self.quiet_s, self.last = quiet_s, float("-inf")
        self.returned_at = float("-inf")  # time.monotonic() of the last return
        self.open_sessions = 0

    def session_opened(self) -> None:
        self.open_sessions += 1

    def session_destroyed(self, session_context) -> None:
        self.open_sessions -= 1
        self.last = time.monotonic()
        IOLoop.current().call_later(self.quiet_s, self.return_if_quiet)

    def return_if_quiet(self) -> None:
        quiet = time.monotonic() - self.last >= self.quiet_s * 0.99  # else a later destruction scheduled its call
        if quiet and self.returned_at < self.last:                    # one return for sessions ended together
            return_freed_memory()
            self.returned_at = time.monotonic()
            mb = resident_mb()
            print("Freed memory returned after closed pages (" + (f"resident: {mb:.0f} MB; " if mb else "")
                  + f"sessions open: {self.open_sessions}).", flush=True)


after_closed_pages = ReturnWhenQuiet()
