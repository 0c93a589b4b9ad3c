# Redis's int64 text (string2ll and ll2string): shared by the compiled twins
# that read or write it (resp.pyx, listpack.pyx, access.pyx), inlined into each.
from libc.limits cimport LLONG_MAX, LLONG_MIN


cdef inline bint string2ll(const unsigned char *s, Py_ssize_t slen, long long *value) noexcept nogil:
    """Redis string2ll: true and the value for a canonical int64 (no sign but '-',
    no leading zero, no space), else false."""
    cdef Py_ssize_t i = 0
    cdef bint negative = False
    cdef unsigned long long v = 0, d
    if slen == 0 or slen > 20:
        return False
    if slen == 1 and s[0] == 48:
        value[0] = 0
        return True
    if s[0] == 45:
        negative = True
        i = 1
        if slen == 1:
            return False
    if s[i] < 49 or s[i] > 57:
        return False
    while i < slen:
        if s[i] < 48 or s[i] > 57:
            return False
        d = s[i] - 48
        # 1844674407370955161 * 10 + 5 is ULLONG_MAX.
        if v > 1844674407370955161ULL or (v == 1844674407370955161ULL and d > 5):
            return False
        v = v * 10 + d
        i += 1
    if negative:
        if v > (<unsigned long long>LLONG_MAX) + 1:
            return False
        value[0] = <long long>(0 - v)
    else:
        if v > <unsigned long long>LLONG_MAX:
            return False
        value[0] = <long long>v
    return True


cdef inline Py_ssize_t ll2string(char *end, long long v) noexcept nogil:
    """The decimal text of ``v`` written just before ``end`` (20 bytes at most);
    returns its length."""
    cdef unsigned long long u = <unsigned long long>(-(v + 1)) + 1 if v < 0 else <unsigned long long>v
    cdef Py_ssize_t n = 0
    while True:
        n += 1
        end[-n] = <char>(48 + u % 10)
        u //= 10
        if u == 0:
            break
    if v < 0:
        n += 1
        end[-n] = 45
    return n
