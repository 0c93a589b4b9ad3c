"""The one place that chooses between the compiled and the pure-Python twins.

The Cython twins are used unless ``PYREDIS_NO_EXTENSIONS=1``.  A missing build
is an error, never a silent fall back to the slower twin.
"""
import os

if os.environ.get("PYREDIS_NO_EXTENSIONS") == "1":
    from .resp_py import RequestParser, encode_bulk, encode_bulks, encode_integer, parse_int, span_end
    from .quicklist_py import QuickList, set_packed_threshold
    from .keytable_py import KeyTable
    from . import sockio_py as sockio
    from .meter_py import Meter, Stopwatch
    from .access_py import AccessClock, AccessTable
    from .lzf_py import lzf_compress, lzf_decompress
    from .crc64_py import crc64
    from . import hll_py as hyperloglog
    from . import bitops_py as bitops
    from . import streamnode_py as streamnode
    from .zskiplist_py import SkipList
    from . import zsetreply_py as zsetreply
    from . import listpack_py as listpack
    from . import rdbrun_py as rdbrun
    from .keysort_py import sort_keys
    from .readers_py import Reader, remember_key
    from .scriptcall_py import ScriptCall, number_argv
    IMPLEMENTATION = "python"
else:
    try:
        from .resp import RequestParser, encode_bulk, encode_bulks, encode_integer, parse_int, span_end
        from .quicklist import QuickList, set_packed_threshold
        from .keytable import KeyTable
        from . import sockio
        from .meter import Meter, Stopwatch
        from .access import AccessClock, AccessTable
        from .lzf import lzf_compress, lzf_decompress
        from .crc64 import crc64
        from . import hll as hyperloglog
        from . import bitops
        from . import streamnode
        from .zskiplist import SkipList
        from . import zsetreply
        from . import listpack
        from . import rdbrun
        from .keysort import sort_keys
        from .readers import Reader, remember_key
        from .scriptcall import ScriptCall, number_argv
    except ImportError as exc:
        raise ImportError(
            "pyredis's compiled extensions are not built (%s); reinstall with "
            "'pip install .' or run with PYREDIS_NO_EXTENSIONS=1" % exc) from exc
    IMPLEMENTATION = "cython"

__all__ = ["RequestParser", "encode_bulk", "encode_bulks", "encode_integer", "parse_int", "span_end", "QuickList", "set_packed_threshold",
           "KeyTable", "sockio", "Meter", "Stopwatch", "AccessClock", "AccessTable", "lzf_compress", "lzf_decompress", "crc64", "hyperloglog",
           "bitops", "streamnode", "SkipList", "zsetreply", "listpack", "rdbrun",
           "sort_keys", "Reader", "remember_key", "ScriptCall", "number_argv", "IMPLEMENTATION"]
