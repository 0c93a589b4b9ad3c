"""Builds the Cython twins in pyredis/_speedups.

A compile error fails the install; only PYREDIS_NO_EXTENSIONS=1 gives a
pure-Python install (which then runs with PYREDIS_NO_EXTENSIONS=1 too).
"""
import os

from setuptools import Extension, setup

if os.environ.get("PYREDIS_NO_EXTENSIONS") == "1":
    ext_modules = []
else:
    from Cython.Build import cythonize

    ext_modules = cythonize(
        [Extension("pyredis._speedups.resp", ["pyredis/_speedups/resp.pyx"]),
         Extension("pyredis._speedups.quicklist", ["pyredis/_speedups/quicklist.pyx"]),
         Extension("pyredis._speedups.keytable", ["pyredis/_speedups/keytable.pyx"]),
         Extension("pyredis._speedups.sockio", ["pyredis/_speedups/sockio.pyx"]),
         Extension("pyredis._speedups.meter", ["pyredis/_speedups/meter.pyx"]),
         Extension("pyredis._speedups.access", ["pyredis/_speedups/access.pyx"]),
         Extension("pyredis._speedups.lzf", ["pyredis/_speedups/lzf.pyx"]),
         Extension("pyredis._speedups.crc64", ["pyredis/_speedups/crc64.pyx"]),
         Extension("pyredis._speedups.hll", ["pyredis/_speedups/hll.pyx"]),
         Extension("pyredis._speedups.bitops", ["pyredis/_speedups/bitops.pyx"]),
         Extension("pyredis._speedups.streamnode", ["pyredis/_speedups/streamnode.pyx"]),
         Extension("pyredis._speedups.zskiplist", ["pyredis/_speedups/zskiplist.pyx"]),
         Extension("pyredis._speedups.zsetreply", ["pyredis/_speedups/zsetreply.pyx"]),
         Extension("pyredis._speedups.listpack", ["pyredis/_speedups/listpack.pyx"]),
         Extension("pyredis._speedups.rdbrun", ["pyredis/_speedups/rdbrun.pyx"]),
         Extension("pyredis._speedups.keysort", ["pyredis/_speedups/keysort.pyx"]),
         Extension("pyredis._speedups.readers", ["pyredis/_speedups/readers.pyx"]),
         Extension("pyredis._speedups.scriptcall", ["pyredis/_speedups/scriptcall.pyx"])],
        compiler_directives={"language_level": "3"},
    )

setup(ext_modules=ext_modules)
