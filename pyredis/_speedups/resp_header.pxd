# RESP headers written into a C buffer: shared by the compiled encoders
# (resp.pyx, quicklist.pyx), inlined into each.


cdef inline Py_ssize_t _digits(Py_ssize_t n) noexcept:
    cdef Py_ssize_t d = 1
    while n >= 10:
        n //= 10
        d += 1
    return d


cdef inline char *_header(char *p, char prefix, Py_ssize_t n) noexcept:
    """``<prefix><n>\\r\\n`` at ``p`` (``n`` >= 0); returns the byte after it."""
    cdef Py_ssize_t d = _digits(n)
    cdef Py_ssize_t i
    p[0] = prefix
    for i in range(d, 0, -1):
        p[i] = <char>(48 + n % 10)
        n //= 10
    p[d + 1] = 13
    p[d + 2] = 10
    return p + d + 3
