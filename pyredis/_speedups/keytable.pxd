# The keyspace table's C side, for the compiled twins that fill or walk a db
# (access.pyx's MSET pass, rdbrun.pyx's RDB runs).
from cpython.object cimport PyObject
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdint cimport int32_t, uint32_t


cdef extern from *:
    """
    typedef struct {
        PyObject *value;
        uint32_t hash;
        uint32_t size;
        char key[];
    } pyredis_kt_entry;

    /* A key of at least this many bytes is not copied into its entry: the
       entry holds the key's bytes object instead (size is the marker). */
    #define PYREDIS_KT_LONG 0x10000u
    #define PYREDIS_KT_HELD(e) ((e)->size == PYREDIS_KT_LONG)
    #define PYREDIS_KT_OBJECT(e) (*(PyObject **)(e)->key)

    static inline Py_ssize_t pyredis_kt_size(pyredis_kt_entry *e) {
        return PYREDIS_KT_HELD(e) ? PyBytes_GET_SIZE(PYREDIS_KT_OBJECT(e)) : (Py_ssize_t)e->size;
    }

    static inline const char *pyredis_kt_key(pyredis_kt_entry *e) {
        return PYREDIS_KT_HELD(e) ? PyBytes_AS_STRING(PYREDIS_KT_OBJECT(e)) : e->key;
    }
    """
    ctypedef struct kt_entry "pyredis_kt_entry":
        PyObject *value
        uint32_t hash
        uint32_t size
        char key[1]
    uint32_t KT_LONG "PYREDIS_KT_LONG"
    bint kt_held "PYREDIS_KT_HELD"(kt_entry *e)
    PyObject *kt_object "PYREDIS_KT_OBJECT"(kt_entry *e)
    Py_ssize_t kt_size "pyredis_kt_size"(kt_entry *e)
    const char *kt_key "pyredis_kt_key"(kt_entry *e)


cdef inline object kt_key_object(kt_entry *e):
    """The entry's key as a bytes object: a copy, or the one a long key keeps."""
    if kt_held(e):
        return <object>kt_object(e)
    return PyBytes_FromStringAndSize(e.key, e.size)


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
