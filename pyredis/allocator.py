"""What the server asks of the C allocator (glibc's malloc; elsewhere nothing).

Redis's jemalloc hands freed memory back to the system on its own.  glibc
keeps what a large block leaves on its heap once it has raised its mmap
threshold past that block's size, which it does when the first large block
is freed: a keyspace's old hash tables, left behind as it grows, then stay
resident (about 9 bytes a key after a million keys, as many after 200,000).
A fixed threshold keeps large blocks in their own mappings, returned when
freed; MEMORY PURGE trims the rest.
"""
import gc

# Blocks from this size up get their own mapping (and fixing the threshold
# stops glibc from raising it).  Mapping a block of a megabyte or more costs
# little beside what filling it costs.
MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3

_libc = None


def _glibc():
    global _libc
    if _libc is None:
        try:
            import ctypes
            libc = ctypes.CDLL("libc.so.6")
            libc.malloc_trim.argtypes = [ctypes.c_size_t]
            libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
            _libc = libc
        except (OSError, AttributeError):
            _libc = False
    return _libc


def tune():
    """Set the mmap threshold, for a process of its own (never a host an embedded server runs in)."""
    libc = _glibc()
    if libc:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def release():
    """Give freed memory back to the system (Redis's jemalloc purge): collect, then malloc_trim."""
    gc.collect()
    libc = _glibc()
    if libc:
        libc.malloc_trim(0)
