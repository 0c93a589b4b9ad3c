# cython: language_level=3, boundscheck=False, wraparound=False
"""Keys in bytewise order, compiled twin of ``keysort_py.py``.

A merge sort over the keys' first eight bytes past the prefix they all
share, read as a big-endian integer: most pairs are told apart by one integer
comparison, and only equal heads compare the whole keys with memcmp.  Merge
sort, not quicksort: the keys are the clients', and no order of them makes it
slower than n log n.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.ref cimport PyObject
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp, memcpy


cdef struct _Key:
    unsigned long long head
    const unsigned char *data
    Py_ssize_t size
    PyObject *obj


cdef inline bint _less(const _Key *x, const _Key *y) noexcept nogil:
    if x.head != y.head:
        return x.head < y.head
    cdef Py_ssize_t n = x.size if x.size < y.size else y.size
    cdef int r = memcmp(x.data, y.data, n)
    if r != 0:
        return r < 0
    return x.size < y.size


cdef void _sort(_Key *a, _Key *spare, Py_ssize_t n) noexcept nogil:
    """Bottom-up merge sort of ``a``: insertion-sorted runs of 8, then merges through ``spare``."""
    cdef Py_ssize_t lo, mid, hi, i, j, k, width
    cdef _Key item
    cdef _Key *src = a
    cdef _Key *dst = spare
    cdef _Key *swap
    for lo in range(0, n, 8):
        hi = lo + 8 if lo + 8 < n else n
        for i in range(lo + 1, hi):
            item = a[i]
            j = i
            while j > lo and _less(&item, &a[j - 1]):
                a[j] = a[j - 1]
                j -= 1
            a[j] = item
    width = 8
    while width < n:
        lo = 0
        while lo < n:
            mid = lo + width if lo + width < n else n
            hi = lo + 2 * width if lo + 2 * width < n else n
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                if _less(&src[j], &src[i]):
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
                k += 1
            if i < mid:
                memcpy(&dst[k], &src[i], (mid - i) * sizeof(_Key))
            if j < hi:
                memcpy(&dst[k], &src[j], (hi - j) * sizeof(_Key))
            lo = hi
        swap = src
        src = dst
        dst = swap
        width *= 2
    if src != a:
        memcpy(a, src, n * sizeof(_Key))


def sort_keys(keys):
    """The keys of ``keys`` (an iterable) as a new list in ascending bytewise order.

    Keys that are not bytes (a memoryview) come back as bytes.
    """
    cdef list items = list(keys)
    cdef Py_ssize_t n = len(items)
    cdef Py_ssize_t i, j, shared, size
    cdef const unsigned char *first
    cdef const unsigned char *data
    cdef unsigned long long head
    cdef _Key *table
    cdef object v
    if n < 2:
        return items
    for i in range(n):
        if type(items[i]) is not bytes:
            items = [k if type(k) is bytes else bytes(k) for k in items]
            items.sort()
            return items
    v = items[0]
    first = <const unsigned char *>PyBytes_AS_STRING(v)
    shared = PyBytes_GET_SIZE(v)
    for i in range(1, n):
        v = items[i]
        data = <const unsigned char *>PyBytes_AS_STRING(v)
        size = PyBytes_GET_SIZE(v)
        if size < shared:
            shared = size
        j = 0
        while j < shared and data[j] == first[j]:
            j += 1
        shared = j
    table = <_Key *>malloc(2 * n * sizeof(_Key))
    if table == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            v = items[i]
            data = <const unsigned char *>PyBytes_AS_STRING(v)
            size = PyBytes_GET_SIZE(v)
            # A key that ends inside the eight bytes reads as zeros past its
            # end: an equal head then falls to the full comparison.
            head = 0
            for j in range(shared, shared + 8):
                head = (head << 8) | (data[j] if j < size else 0)
            table[i].head = head
            table[i].data = data
            table[i].size = size
            table[i].obj = <PyObject *>v
        _sort(table, table + n, n)
        return [<object>table[i].obj for i in range(n)]
    finally:
        free(table)
