# The keyspace table's C side, for the compiled twins that fill or walk a db
# (access.pyx's MSET pass, rdbrun.pyx's RDB runs).
from cpython.object cimport PyObject
from libc.stdint cimport int32_t, uint32_t


cdef extern from *:
    """
    typedef struct {
        PyObject *value;
        uint32_t hash;
        uint32_t size;
        char key[];
    } pyredis_kt_entry;
    """
    ctypedef struct kt_entry "pyredis_kt_entry":
        PyObject *value
        uint32_t hash
        uint32_t size
        char key[1]


cdef class KeyTable:
    cdef int32_t *indices
    cdef kt_entry **entries
    cdef Py_ssize_t isize
    cdef Py_ssize_t usable
    cdef Py_ssize_t nentries
    cdef Py_ssize_t used

    cdef int _alloc(self, Py_ssize_t isize) except -1
    cdef void _release(self, kt_entry **entries, Py_ssize_t n) noexcept
    cdef Py_ssize_t _slot(self, const char *data, Py_ssize_t size, uint32_t h,
                          Py_ssize_t *slot) noexcept
    cdef int _resize(self, Py_ssize_t minsize) except -1
    cdef object _take(self, object key, object default)
    cdef kt_entry *find(self, object key) except? NULL
    cdef int c_set(self, object key, object value) except -1
    cdef object c_put(self, object key, object value)
    cdef bint c_add(self, object key, object value) except -1
    cdef int _insert(self, bytes key, uint32_t h, Py_ssize_t slot, object value) except -1
