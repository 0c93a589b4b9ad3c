"""Shared suite for the RESP request parser twins (resp.pyx and resp_py.py).

Expectations follow Redis 7.0.15's networking.c; the surprising ones (bytes
after a CR or after bulk data left unchecked, NUL hiding a terminator, CR and
LF shown as a space in the "expected '$'" error, the unauthenticated limits
checked after the ordinary ones) were checked against a real redis-server
7.0.15.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

MAXBULK = 512 * 1024 * 1024
TRAIL = b"*1\r\n$4\r\nPING\r\n"
TRAIL_CMD = [b"PING"]

INVALID_MBULK = "Protocol error: invalid multibulk length"
INVALID_BULK = "Protocol error: invalid bulk length"
UNBALANCED = "Protocol error: unbalanced quotes in request"
TOO_BIG_INLINE = "Protocol error: too big inline request"
TOO_BIG_MBULK = "Protocol error: too big mbulk count string"
TOO_BIG_BULK = "Protocol error: too big bulk count string"
UNAUTH_MBULK = "Protocol error: unauthenticated multibulk length"
UNAUTH_BULK = "Protocol error: unauthenticated bulk length"
# Rows for a client that has not authenticated yet.
UNAUTH = {"auth_required": True}


def expected_dollar(ch):
    return "Protocol error: expected '$', got '%s'" % ch


def case(id, data, commands=(), error=None, end="boundary", **kw):
    """One table row.

    ``end`` says what the bytes after the case can change:
    "boundary": nothing (the data ends between requests, or at an error);
    "stuck": a NUL hides the last request's terminator, so nothing after it
    ever completes; "eof": the error is a size limit on a line that is still
    unterminated where the data ends, so a terminator in the same read would
    have avoided it.
    """
    return pytest.param(data, [list(c) for c in commands], error, end, kw, id=id)


def mb(*args):
    """A well-formed multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


CASES = [
    # Multibulk requests.
    case("mb-ping", b"*1\r\n$4\r\nPING\r\n", [[b"PING"]]),
    case("mb-set", mb(b"SET", b"key", b"value"), [[b"SET", b"key", b"value"]]),
    case("mb-empty-arg", b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", [[b"ECHO", b""]]),
    case("mb-binary-arg", b"*1\r\n$8\r\na\r\n\x00b\xff\r\n\r\n", [[b"a\r\n\x00b\xff\r\n"]]),
    case("mb-pipeline", mb(b"A") + mb(b"B", b"c") + mb(b"D"), [[b"A"], [b"B", b"c"], [b"D"]]),
    case("mb-trailing-bytes-unchecked", b"*1\r\n$3\r\nfooXY", [[b"foo"]]),
    case("mb-trailing-nul-unchecked", b"*1\r\n$4\r\nPING\x00\x00", [[b"PING"]]),
    case("mb-count-lf-unchecked", b"*1\rX$4\r\nPING\r\n", [[b"PING"]]),
    case("mb-count-nul-after-cr", b"*1\r\x00$4\r\nPING\r\n", [[b"PING"]]),
    case("mb-bulk-lf-unchecked", b"*1\r\n$4\rXPINGxx", [[b"PING"]]),
    case("mb-lf-only-is-incomplete-header", b"*1\n\r\n$4\r\nPING\r\n", error=INVALID_MBULK),
    case("mb-count-zero", b"*0\r\n"),
    case("mb-count-zero-then-cmd", b"*0\r\nPING\r\n", [[b"PING"]]),
    case("mb-count-minus-one", b"*-1\r\n"),
    case("mb-count-negative", b"*-5\r\n" + mb(b"X"), [[b"X"]]),
    case("mb-count-llong-min", b"*-9223372036854775808\r\n"),
    case("mb-count-int-max", b"*2147483647\r\n*1\r\n", error=expected_dollar("*")),
    case("mb-count-minus-zero", b"*-0\r\n", error=INVALID_MBULK),
    case("mb-count-plus", b"*+1\r\n$4\r\nPING\r\n", error=INVALID_MBULK),
    case("mb-count-leading-zero", b"*01\r\n$4\r\nPING\r\n", error=INVALID_MBULK),
    case("mb-count-leading-space", b"* 1\r\n$4\r\nPING\r\n", error=INVALID_MBULK),
    case("mb-count-trailing-space", b"*1 \r\n$4\r\nPING\r\n", error=INVALID_MBULK),
    case("mb-count-empty", b"*\r\n", error=INVALID_MBULK),
    case("mb-count-minus-only", b"*-\r\n", error=INVALID_MBULK),
    case("mb-count-letters", b"*1a\r\n", error=INVALID_MBULK),
    case("mb-count-over-int-max", b"*2147483648\r\n", error=INVALID_MBULK),
    case("mb-count-llong-max", b"*9223372036854775807\r\n", error=INVALID_MBULK),
    case("mb-count-int64-overflow", b"*9223372036854775808\r\n", error=INVALID_MBULK),
    case("mb-count-int64-underflow", b"*-9223372036854775809\r\n", error=INVALID_MBULK),
    case("mb-count-21-digits", b"*" + b"1" * 21 + b"\r\n", error=INVALID_MBULK),
    case("mb-count-zero-padded", b"*00000000000000000001\r\n", error=INVALID_MBULK),
    case("mb-bulk-plus", b"*1\r\n$+4\r\nPING\r\n", error=INVALID_BULK),
    case("mb-bulk-leading-zero", b"*1\r\n$04\r\nPING\r\n", error=INVALID_BULK),
    case("mb-bulk-zero-zero", b"*1\r\n$00\r\n\r\n", error=INVALID_BULK),
    case("mb-bulk-minus-one", b"*1\r\n$-1\r\n", error=INVALID_BULK),
    case("mb-bulk-minus-zero", b"*1\r\n$-0\r\n\r\n", error=INVALID_BULK),
    case("mb-bulk-space", b"*1\r\n$ 4\r\nPING\r\n", error=INVALID_BULK),
    case("mb-bulk-empty", b"*1\r\n$\r\n", error=INVALID_BULK),
    case("mb-bulk-20-digits", b"*1\r\n$" + b"9" * 20 + b"\r\n", error=INVALID_BULK),
    case("mb-bulk-21-digits", b"*1\r\n$" + b"1" * 21 + b"\r\n", error=INVALID_BULK),
    case("mb-bulk-llong-max", b"*1\r\n$9223372036854775807\r\n", error=INVALID_BULK),
    # Either side of the 18 digits a header is read in one pass for.
    case("mb-bulk-18-digits", b"*1\r\n$" + b"9" * 18 + b"\r\n", error=INVALID_BULK),
    case("mb-bulk-19-digits", b"*1\r\n$" + b"1" * 19 + b"\r\n", error=INVALID_BULK),
    case("mb-count-18-digits", b"*" + b"1" * 18 + b"\r\n", error=INVALID_MBULK),
    case("mb-count-19-digits", b"*" + b"1" * 19 + b"\r\n", error=INVALID_MBULK),
    case("mb-count-int-max-plus-one", b"*2147483648\r\n", error=INVALID_MBULK),
    # Redis skips the byte after a header's CR without looking at it.
    case("mb-header-cr-then-any-byte", b"*1\rx$4\ryPING\r\n", [[b"PING"]]),
    case("mb-bulk-at-limit", b"*1\r\n$8\r\n12345678\r\n", [[b"12345678"]], max_bulk_len=8),
    case("mb-bulk-over-limit", b"*1\r\n$9\r\n123456789\r\n", error=INVALID_BULK, max_bulk_len=8),
    case("mb-expected-dollar", b"*1\r\nX\r\n", error=expected_dollar("X")),
    case("mb-expected-dollar-colon", b"*1\r\n:1\r\n", error=expected_dollar(":")),
    case("mb-expected-dollar-cr", b"*1\r\n\r\n", error=expected_dollar(" ")),
    case("mb-expected-dollar-lf", b"*1\r\n\n\r\n", error=expected_dollar(" ")),
    case("mb-expected-dollar-latin1", b"*1\r\n\xe9\r\n", error=expected_dollar("\xe9")),
    case("mb-expected-dollar-star", b"*2\r\n$1\r\na\r\n*1\r\n", error=expected_dollar("*")),
    case("mb-commands-before-error", mb(b"A") + b"PING\r\n" + mb(b"ECHO", b"x") + b"*x\r\n",
         [[b"A"], [b"PING"], [b"ECHO", b"x"]], INVALID_MBULK),
    case("mb-partial-command-dropped-on-error", mb(b"A") + b"*2\r\n$1\r\nb\r\n$x\r\n",
         [[b"A"]], INVALID_BULK),
    # NUL: the terminator search is strchr, which stops at a NUL.
    case("nul-in-inline", b"PING\x00\r\n", end="stuck"),
    case("nul-first-byte", b"\x00PING\r\n", end="stuck"),
    case("nul-after-cmd", b"PING\r\n\x00", [[b"PING"]], end="stuck"),
    case("nul-in-count", b"*1\x00\r\n$4\r\nPING\r\n", end="stuck"),
    case("nul-in-bulk-len", b"*1\r\n$4\x00\r\nPING\r\n", end="stuck"),
    case("nul-in-bulk-data", b"*1\r\n$4\r\nPI\x00G\r\n", [[b"PI\x00G"]]),
    case("nul-after-line", b"PING\r\n\x00\r\n", [[b"PING"]], end="stuck"),
    # Inline requests.
    case("in-crlf", b"PING\r\n", [[b"PING"]]),
    case("in-lf", b"PING\n", [[b"PING"]]),
    case("in-args", b"SET a b\r\n", [[b"SET", b"a", b"b"]]),
    case("in-blanks", b"  SET \t a\t\tb  \r\n", [[b"SET", b"a", b"b"]]),
    case("in-empty-crlf", b"\r\n"),
    case("in-empty-lf", b"\n"),
    case("in-blank-line", b"   \t \r\n"),
    case("in-empty-lines-then-cmd", b"\r\n\n   \r\nPING\r\n", [[b"PING"]]),
    case("in-cr-cr-lf", b"\r\r\n"),
    case("in-only-one-cr-stripped", b"a\r\r\n", [[b"a"]]),
    case("in-cr-splits", b"a\rb\r\n", [[b"a", b"b"]]),
    case("in-vt-in-token", b"a\x0bb\r\n", [[b"a\x0bb"]]),
    case("in-ff-trailing-token", b"a\x0c\r\n", [[b"a\x0c"]]),
    case("in-vt-leading-skipped", b"\x0bb\r\n", [[b"b"]]),
    case("in-vt-ff-between", b"a \x0b\x0c b\r\n", [[b"a", b"b"]]),
    case("in-only-vt", b"\x0b\x0c\r\n"),
    case("in-high-bytes", b"ECHO \xff\xfe\x80\r\n", [[b"ECHO", b"\xff\xfe\x80"]]),
    case("in-star-not-first", b"ECHO *\r\n", [[b"ECHO", b"*"]]),
    case("in-dollar-first", b"$4\r\n", [[b"$4"]]),
    case("in-space-then-star", b" *1\r\n", [[b"*1"]]),
    case("in-dq", b'ECHO "a b"\r\n', [[b"ECHO", b"a b"]]),
    case("in-dq-empty", b'ECHO ""\r\n', [[b"ECHO", b""]]),
    case("in-dq-mid-token", b'ECHO a"b c"\r\n', [[b"ECHO", b"ab c"]]),
    case("in-dq-then-blank", b'ECHO "a"\x0bb\r\n', [[b"ECHO", b"a", b"b"]]),
    case("in-dq-hex", b'ECHO "\\x41\\x6a\\x6A\\x4g\\xZZ\\x00"\r\n',
         [[b"ECHO", b"Ajjx4gxZZ\x00"]]),
    case("in-dq-escapes", b'ECHO "\\n\\r\\t\\b\\a\\\\\\"\\z\\\'"\r\n',
         [[b"ECHO", b"\n\r\t\x08\x07\\\"z'"]]),
    case("in-dq-single-inside", b'ECHO "it\'s"\r\n', [[b"ECHO", b"it's"]]),
    case("in-dq-cr-inside", b'ECHO "a\rb"\r\n', [[b"ECHO", b"a\rb"]]),
    case("in-dq-x-at-end", b'ECHO "\\x4"\r\n', [[b"ECHO", b"x4"]]),
    case("in-sq", b"ECHO 'a b'\r\n", [[b"ECHO", b"a b"]]),
    case("in-sq-escape", b"ECHO 'a\\'b'\r\n", [[b"ECHO", b"a'b"]]),
    case("in-sq-literal", b"ECHO 'a\\nb\\x41\"'\r\n", [[b"ECHO", b"a\\nb\\x41\""]]),
    case("in-sq-empty", b"ECHO ''\r\n", [[b"ECHO", b""]]),
    case("in-sq-mid-token", b"ECHO x'y z'\r\n", [[b"ECHO", b"xy z"]]),
    case("in-dq-after-close-text", b'ECHO "a"b\r\n', error=UNBALANCED),
    case("in-dq-after-close-quote", b'ECHO "a""b"\r\n', error=UNBALANCED),
    case("in-sq-after-close-text", b"ECHO 'a'b\r\n", error=UNBALANCED),
    case("in-dq-unterminated", b'ECHO "abc\r\n', error=UNBALANCED),
    case("in-dq-backslash-at-end", b'ECHO "abc\\\r\n', error=UNBALANCED),
    case("in-dq-escaped-close", b'ECHO "abc\\"\r\n', error=UNBALANCED),
    case("in-sq-unterminated", b"ECHO 'abc\r\n", error=UNBALANCED),
    case("in-sq-double-backslash", b"ECHO 'a\\\\'\r\n", error=UNBALANCED),
    case("in-cmds-before-unbalanced", b"PING\r\n" + mb(b"A") + b'"x\r\n',
         [[b"PING"], [b"A"]], UNBALANCED),
    case("mixed-pipeline", b"PING\r\n" + mb(b"GET", b"k") + b"ECHO x\n\r\n*0\r\n" + mb(b"Z"),
         [[b"PING"], [b"GET", b"k"], [b"ECHO", b"x"], [b"Z"]]),
    # Size limits on unterminated lines (small limits keep the cases short).
    case("limit-inline", b"a" * 17, error=TOO_BIG_INLINE, end="eof", max_inline=16),
    case("limit-inline-after-cmd", b"PING\r\n" + b"a" * 17, [[b"PING"]], TOO_BIG_INLINE,
         end="eof", max_inline=16),
    case("limit-inline-stuck-on-nul", b"PING\x00" + b"a" * 12, error=TOO_BIG_INLINE,
         end="eof", max_inline=16),
    case("limit-mbulk-count", b"*" + b"1" * 16, error=TOO_BIG_MBULK, end="eof", max_inline=16),
    case("limit-mbulk-count-stuck-on-nul", b"*1\x00" + b"\r\n" * 7, error=TOO_BIG_MBULK,
         end="eof", max_inline=16),
    case("limit-bulk-count", b"*1\r\n$" + b"1" * 16, error=TOO_BIG_BULK, end="eof",
         max_inline=16),
    case("limit-bulk-count-not-dollar", b"*1\r\n" + b"x" * 17, error=TOO_BIG_BULK, end="eof",
         max_inline=16),
    # Unauthenticated: at most 10 arguments and 16384 bytes each, checked after
    # the ordinary checks; inline requests have no extra limit.
    case("unauth-mb-10-args", mb(*[b"a"] * 10), [[b"a"] * 10], **UNAUTH),
    case("unauth-mb-11-args", mb(*[b"a"] * 11), error=UNAUTH_MBULK, **UNAUTH),
    case("unauth-mb-11-header-only", b"*11\r\n", error=UNAUTH_MBULK, **UNAUTH),
    case("unauth-mb-count-int-max", b"*2147483647\r\n", error=UNAUTH_MBULK, **UNAUTH),
    case("unauth-mb-count-letters", b"*x\r\n", error=INVALID_MBULK, **UNAUTH),
    case("unauth-mb-count-11-letters", b"*11x\r\n", error=INVALID_MBULK, **UNAUTH),
    case("unauth-mb-count-over-int-max", b"*2147483648\r\n", error=INVALID_MBULK, **UNAUTH),
    case("unauth-mb-count-zero-then-11", b"*0\r\n*11\r\n", error=UNAUTH_MBULK, **UNAUTH),
    case("unauth-mb-count-minus-one-then-11", b"*-1\r\n*11\r\n", error=UNAUTH_MBULK, **UNAUTH),
    case("unauth-mb-count-negative", b"*-100\r\n" + mb(b"X"), [[b"X"]], **UNAUTH),
    case("unauth-bulk-16384", mb(b"k" * 16384), [[b"k" * 16384]], **UNAUTH),
    case("unauth-bulk-16385", b"*1\r\n$16385\r\n", error=UNAUTH_BULK, **UNAUTH),
    case("unauth-bulk-16385-second-arg", b"*2\r\n$3\r\nSET\r\n$16385\r\n", error=UNAUTH_BULK,
         **UNAUTH),
    case("unauth-bulk-minus-one", b"*1\r\n$-1\r\n", error=INVALID_BULK, **UNAUTH),
    case("unauth-bulk-over-default-max-bulk-len", b"*1\r\n$99999999999\r\n", error=INVALID_BULK, **UNAUTH),
    case("unauth-bulk-letters", b"*1\r\n$16385x\r\n", error=INVALID_BULK, **UNAUTH),
    case("unauth-bulk-over-max-bulk-len-first", b"*1\r\n$16385\r\n", error=INVALID_BULK,
         max_bulk_len=16000, **UNAUTH),
    case("unauth-bulk-under-max-bulk-len", b"*1\r\n$16385\r\n", error=UNAUTH_BULK,
         max_bulk_len=20000, **UNAUTH),
    case("unauth-bulk-max-bulk-len-still-applies", b"*1\r\n$9\r\n", error=INVALID_BULK,
         max_bulk_len=8, **UNAUTH),
    case("unauth-expected-dollar-first", b"*1\r\n:16385\r\n", error=expected_dollar(":"),
         **UNAUTH),
    case("unauth-inline-long-arg", b"PING " + b"x" * 20000 + b"\r\n", [[b"PING", b"x" * 20000]],
         **UNAUTH),
    case("unauth-inline-many-args", b"a" + b" a" * 19 + b"\r\n", [[b"a"] * 20], **UNAUTH),
    case("unauth-pipeline", mb(b"A") + b"\r\n\nPING\r\n*0\r\n" + mb(b"B", b"c") + b"D\n",
         [[b"A"], [b"PING"], [b"B", b"c"], [b"D"]], **UNAUTH),
    case("unauth-cmds-before-error", mb(b"AUTH", b"px") + b"*11\r\n", [[b"AUTH", b"px"]],
         UNAUTH_MBULK, **UNAUTH),
    case("unauth-cmds-before-bulk-error", b"PING\r\n" + mb(b"A") + b"*1\r\n$16385\r\n",
         [[b"PING"], [b"A"]], UNAUTH_BULK, **UNAUTH),
    case("unauth-limit-inline-after-cmd", b"PING\r\n" + b"a" * 17, [[b"PING"]], TOO_BIG_INLINE,
         end="eof", max_inline=16, **UNAUTH),
    case("unauth-stuck-after-cmd", b"PING\r\nPING\x00\r\n", [[b"PING"]], end="stuck", **UNAUTH),
]


def drain(parser, got):
    """The requests ``got`` from one feed, plus those a server would parse next.

    While ``auth_required`` is set a feed returns at most one request, and the
    server runs it before it asks for the next with ``feed(b"")``.
    """
    assert type(got) is list
    if not parser.auth_required:
        return got
    out = []
    while got:
        assert len(got) == 1
        out += got
        got = parser.feed(b"")
        assert type(got) is list
    return out


def run(mod, chunks, kw, flags=None):
    """Feed ``chunks``; ``flags``, when given, sets ``auth_required`` before each chunk."""
    parser = mod.RequestParser(**kw)
    commands = []
    for k, chunk in enumerate(chunks):
        if flags is not None:
            parser.auth_required = flags[k]
        commands.extend(drain(parser, parser.feed(chunk)))
    for cmd in commands:
        assert type(cmd) is list
        assert all(type(arg) is bytes for arg in cmd)
    return parser, commands


def check(mod, chunks, commands, error, kw):
    parser, got = run(mod, chunks, kw)
    assert (got, parser.error) == (commands, error)
    if error is not None:
        assert parser.feed(TRAIL) == []
        assert parser.feed(b"") == []
        assert parser.error == error


@pytest.mark.parametrize("data,commands,error,end,kw", CASES)
def test_case_whole(resp, data, commands, error, end, kw):
    check(resp, [data], commands, error, kw)


@pytest.mark.parametrize("data,commands,error,end,kw", CASES)
def test_case_byte_at_a_time(resp, data, commands, error, end, kw):
    check(resp, [data[i:i + 1] for i in range(len(data))], commands, error, kw)


@pytest.mark.parametrize("data,commands,error,end,kw", CASES)
def test_case_with_trailing_data(resp, data, commands, error, end, kw):
    if end == "eof":
        check(resp, [data, TRAIL], commands, error, kw)
    elif end == "stuck" or error is not None:
        check(resp, [data + TRAIL], commands, error, kw)
    else:
        check(resp, [data + TRAIL], commands + [TRAIL_CMD], error, kw)


def test_limit_counts_only_unconsumed_bytes(resp):
    # Bytes of requests already parsed in the same read do not count.
    parser = resp.RequestParser(max_inline=16)
    assert parser.feed(mb(b"A" * 40) + b"B" * 16) == [[b"A" * 40]]
    assert parser.error is None
    assert parser.feed(b"B") == []
    assert parser.error == TOO_BIG_INLINE


def test_inline_limit_applies_only_while_unterminated(resp):
    # Redis checks the inline limit only while the line is unterminated, so
    # a longer line is accepted when its newline arrives in the same read.
    line = b"ECHO " + b"a" * 30 + b"\r\n"
    parser = resp.RequestParser(max_inline=16)
    assert parser.feed(line) == [[b"ECHO", b"a" * 30]]
    parser = resp.RequestParser(max_inline=16)
    assert parser.feed(line[:16]) == []
    assert parser.error is None
    assert parser.feed(line[16:]) == [[b"ECHO", b"a" * 30]]
    parser = resp.RequestParser(max_inline=16)
    assert parser.feed(line[:17]) == []
    assert parser.error == TOO_BIG_INLINE


def test_dollar_checked_only_once_the_header_line_is_complete(resp):
    parser = resp.RequestParser()
    assert parser.feed(b"*1\r\nX") == []
    assert parser.error is None
    assert parser.feed(b"YZ\r") == []
    assert parser.error is None
    assert parser.feed(b"\n") == []
    assert parser.error == expected_dollar("X")


def test_incomplete_requests_wait(resp):
    for prefix in (b"PING", b"PING\r", b"*", b"*1", b"*1\r", b"*1\r\n", b"*1\r\n$",
                   b"*1\r\n$4", b"*1\r\n$4\r", b"*1\r\n$4\r\n", b"*1\r\n$4\r\nPI",
                   b"*1\r\n$4\r\nPING", b"*1\r\n$4\r\nPING\r", b'"unbalanced', b"'a"):
        parser = resp.RequestParser()
        assert parser.feed(prefix) == [], prefix
        assert parser.error is None, prefix


def test_pending_bytes(resp):
    parser = resp.RequestParser()
    assert parser.pending_bytes() == 0
    assert parser.feed(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva") == []
    assert parser.pending_bytes() == 3 + 1 + 2
    assert parser.feed(b"lue\r") == []
    assert parser.pending_bytes() == 3 + 1 + 5
    assert parser.feed(b"\n*2\r\n$3\r\nGET\r\n$1") == [[b"SET", b"k", b"value"]]
    assert parser.pending_bytes() == 3 + len(b"$1")
    assert parser.feed(b"\r\nk\r\n") == [[b"GET", b"k"]]
    assert parser.pending_bytes() == 0
    assert parser.feed(b"PING") == []
    assert parser.pending_bytes() == 4
    assert parser.feed(b' "\r\n') == []
    assert parser.error == UNBALANCED
    assert parser.pending_bytes() == 0


def test_pending_bytes_zero_after_error(resp):
    parser = resp.RequestParser()
    assert parser.feed(b"*2\r\n$3\r\nGET\r\n$-1\r\n") == []
    assert parser.error == INVALID_BULK
    assert parser.pending_bytes() == 0


def test_stuck_request_still_hits_the_limit(resp):
    parser = resp.RequestParser(max_inline=16)
    assert parser.feed(b"GET\x00\n") == []
    for _ in range(2):
        assert parser.feed(b"\r\n\r\n") == []
    assert parser.feed(b"abc") == []
    assert parser.error is None
    assert parser.pending_bytes() == 16
    assert parser.feed(b"d") == []
    assert parser.error == TOO_BIG_INLINE


def test_max_bulk_len_settable_on_a_live_parser(resp):
    parser = resp.RequestParser(max_bulk_len=4)
    assert parser.max_bulk_len == 4
    assert parser.feed(b"*1\r\n$4\r\nPING\r\n") == [[b"PING"]]
    parser.max_bulk_len = 3
    assert parser.max_bulk_len == 3
    assert parser.feed(b"*1\r\n$4\r\n") == []
    assert parser.error == INVALID_BULK


def test_limits_accept_any_int(resp):
    parser = resp.RequestParser(max_bulk_len=1 << 80, max_inline=1 << 80)
    assert parser.max_bulk_len == 1 << 80
    assert parser.feed(b"*1\r\n$9223372036854775807\r\n") == []
    assert parser.error is None
    parser = resp.RequestParser(max_bulk_len=-5, max_inline=-5)
    assert parser.feed(b"*1\r\n$0\r\n\r\n") == []
    assert parser.error == INVALID_BULK
    parser = resp.RequestParser(max_inline=-5)
    assert parser.feed(b"P") == []
    assert parser.error == TOO_BIG_INLINE
    with pytest.raises(TypeError):
        resp.RequestParser(max_bulk_len=1.5)
    with pytest.raises(TypeError):
        parser.max_inline = "10"


def test_defaults(resp):
    parser = resp.RequestParser()
    assert parser.max_bulk_len == MAXBULK
    assert parser.max_inline == 64 * 1024
    assert parser.error is None
    line = b"x" * (64 * 1024)
    assert parser.feed(line) == []
    assert parser.error is None
    assert parser.feed(b"x") == []
    assert parser.error == TOO_BIG_INLINE


def test_feed_accepts_bytes_like(resp):
    parser = resp.RequestParser()
    assert parser.feed(bytearray(b"*1\r\n$1\r\na\r\nPI")) == [[b"a"]]
    assert parser.feed(memoryview(b"NG\r\n")) == [[b"PING"]]
    with pytest.raises(TypeError):
        parser.feed("PING\r\n")


def test_protocol_error_is_shared(resp):
    from pyredis._speedups._errors import ProtocolError
    assert resp.ProtocolError is ProtocolError


def test_no_preallocation_for_huge_counts(resp):
    parser = resp.RequestParser()
    assert parser.feed(b"*2147483647\r\n$1\r\na\r\n") == []
    assert parser.error is None
    assert parser.pending_bytes() == 1


def test_large_bulk_in_chunks(resp):
    payload = bytes(range(256)) * (32 * 1024)  # 8 MiB
    data = b"*2\r\n$3\r\nSET\r\n$%d\r\n%s\r\n" % (len(payload), payload) + TRAIL
    headers = len(b"*2\r\n$3\r\n\r\n$8388608\r\n")
    parser = resp.RequestParser()
    step = 64 * 1024
    got = []
    for i in range(0, len(data), step):
        got.extend(parser.feed(data[i:i + step]))
        if not got:
            assert parser.pending_bytes() == i + step - headers
    assert got == [[b"SET", payload], TRAIL_CMD]
    assert parser.pending_bytes() == 0


def test_large_bulk_in_small_pieces_is_linear(resp):
    # 8192 feeds of 512 bytes: any per-feed copy of the partial bulk would
    # move gigabytes here and make this test crawl.
    payload = b"v" * (4 * 1024 * 1024)
    data = b"*1\r\n$%d\r\n%s\r\n" % (len(payload), payload)
    parser = resp.RequestParser()
    got = []
    for i in range(0, len(data), 512):
        got.extend(parser.feed(data[i:i + 512]))
    assert got == [[payload]]


def test_long_inline_line_in_small_pieces(resp):
    line = b"ECHO " + b"x" * 60000 + b"\r\n"
    parser = resp.RequestParser()
    got = []
    for i in range(0, len(line), 16):
        got.extend(parser.feed(line[i:i + 16]))
    assert got == [[b"ECHO", b"x" * 60000]]


def test_big_pipeline_one_feed(resp):
    multibulk = [[b"SET", b"key:%d" % i, b"v" * (i % 50)] for i in range(3000)]
    inline = [[b"INLINE", b"%d" % i] for i in range(100)]
    data = b"".join(mb(*c) for c in multibulk) + b"".join(b" ".join(c) + b"\r\n" for c in inline)
    cmds = multibulk + inline
    parser = resp.RequestParser()
    assert parser.feed(data) == cmds


# ---------------------------------------------------------------------------
# Unauthenticated clients (auth_required).

def test_auth_required_defaults_and_is_settable(resp):
    parser = resp.RequestParser()
    assert parser.auth_required is False
    parser = resp.RequestParser(auth_required=True)
    assert parser.auth_required is True
    parser.auth_required = 0
    assert parser.auth_required is False
    parser.auth_required = "yes"
    assert parser.auth_required is True
    assert resp.UNAUTH_MBULK == UNAUTH_MBULK
    assert resp.UNAUTH_BULK == UNAUTH_BULK
    assert (resp.UNAUTH_MAX_COUNT, resp.UNAUTH_MAX_BULK) == (10, 16384)


@pytest.mark.parametrize("count,error", [(10, None), (11, UNAUTH_MBULK)])
def test_unauth_count_boundary(resp, count, error):
    parser = resp.RequestParser(auth_required=True)
    assert parser.feed(b"*%d\r\n" % count) == []
    assert parser.error == error
    if error is None:
        assert parser.pending_bytes() == 0
        assert parser.feed(b"$1\r\na\r\n" * count) == [[b"a"] * count]


@pytest.mark.parametrize("length,error", [(16384, None), (16385, UNAUTH_BULK)])
def test_unauth_bulk_boundary(resp, length, error):
    parser = resp.RequestParser(auth_required=True)
    assert parser.feed(b"*1\r\n$%d\r\n" % length) == []
    assert parser.error == error
    if error is None:
        assert parser.feed(b"v" * length + b"\r\n") == [[b"v" * length]]


def test_unauth_one_request_per_feed(resp):
    parser = resp.RequestParser(auth_required=True)
    rest = mb(b"B", b"c") + b"\r\nPING\r\n" + b"*1\r\n$3\r\nDE"
    assert parser.feed(mb(b"A") + rest) == [[b"A"]]
    assert parser.pending_bytes() == len(rest)
    assert parser.feed(b"") == [[b"B", b"c"]]
    assert parser.pending_bytes() == len(b"\r\nPING\r\n*1\r\n$3\r\nDE")
    assert parser.feed(b"") == [[b"PING"]]
    assert parser.feed(b"") == []
    assert parser.pending_bytes() == 2
    assert parser.feed(b"L\r\n") == [[b"DEL"]]
    assert parser.pending_bytes() == 0
    assert parser.error is None


def test_unauth_later_errors_wait_for_the_next_feed(resp):
    for bad, error in ((b"*x\r\n", INVALID_MBULK), (b"*11\r\n", UNAUTH_MBULK),
                       (b"*1\r\n$16385\r\n", UNAUTH_BULK), (b'"open\r\n', UNBALANCED)):
        parser = resp.RequestParser(auth_required=True)
        assert parser.feed(mb(b"AUTH", b"px") + bad) == [[b"AUTH", b"px"]]
        assert parser.error is None
        assert parser.pending_bytes() == len(bad)
        assert parser.feed(b"") == []
        assert parser.error == error
        assert parser.pending_bytes() == 0


def test_unauth_inline_limit_checked_on_the_next_feed(resp):
    parser = resp.RequestParser(max_inline=16, auth_required=True)
    assert parser.feed(b"PING\r\n" + b"a" * 17) == [[b"PING"]]
    assert parser.error is None
    assert parser.feed(b"") == []
    assert parser.error == TOO_BIG_INLINE


def test_auth_between_feeds_lifts_the_limits(resp):
    # AUTH ran before the *11 that followed it in the same read was parsed.
    eleven = b"*11\r\n" + b"$1\r\na\r\n" * 11
    parser = resp.RequestParser(auth_required=True)
    assert parser.feed(b"AUTH pw\r\n" + eleven + eleven) == [[b"AUTH", b"pw"]]
    parser.auth_required = False
    assert parser.feed(b"") == [[b"a"] * 11, [b"a"] * 11]
    assert parser.error is None


def test_auth_required_again_applies_from_the_next_feed(resp):
    parser = resp.RequestParser()
    assert parser.feed(mb(b"RESET") + b"PING\r\n") == [[b"RESET"], [b"PING"]]
    parser.auth_required = True
    assert parser.feed(mb(b"X") + b"*11\r\n") == [[b"X"]]
    assert parser.feed(b"") == []
    assert parser.error == UNAUTH_MBULK


def test_headers_parsed_before_the_flag_was_set_stand(resp):
    # A header is checked once, with the state at the time it is parsed.
    parser = resp.RequestParser()
    assert parser.feed(b"*11\r\n$1\r\na\r\n") == []
    parser.auth_required = True
    assert parser.feed(b"$1\r\na\r\n" * 10) == [[b"a"] * 11]
    parser = resp.RequestParser()
    assert parser.feed(b"*1\r\n$16385\r\nvv") == []
    parser.auth_required = True
    assert parser.pending_bytes() == 2
    assert parser.feed(b"v" * 16383 + b"\r\n") == [[b"v" * 16385]]
    assert parser.error is None


def test_unauth_long_pipeline_one_at_a_time(resp):
    data = b"".join(mb(b"PING", b"%d" % i) for i in range(2000)) + b"PING\r\n" * 2000
    parser = resp.RequestParser(auth_required=True)
    got = drain(parser, parser.feed(data))
    assert got == [[b"PING", b"%d" % i] for i in range(2000)] + [[b"PING"]] * 2000
    assert parser.pending_bytes() == 0


# ---------------------------------------------------------------------------
# Property tests: the twins agree on every stream and every split.

FRAGMENTS = [b"*", b"$", b"\r", b"\n", b"\r\n", b"\x00", b"0", b"1", b"2", b"3", b"9", b"-",
             b"+", b" ", b"\t", b"\x0b", b'"', b"'", b"\\", b"x", b"4", b"a", b"F", b"\xff",
             b"*1\r\n", b"*2\r\n", b"$1\r\n", b"$3\r\n", b"$0\r\n", b"PING", b"ECHO "]

BAD = [b"*-0\r\n", b"*+1\r\n", b"*01\r\n", b"* 1\r\n", b"*1\r\n$-1\r\n", b"*1\r\n$+1\r\nx\r\n",
       b"*1\r\nX\r\n", b'"open\r\n', b"'open\r\n", b'"a"b\r\n', b"\x00", b"*1\x00\r\n",
       b"*99999999999999999999\r\n", b"*1\r\n$99999999999\r\n", b"*1\r\n\r\n"]


def splits(data):
    """A strategy for `data` cut into chunks at random points."""
    return st.lists(st.integers(0, len(data)), max_size=8).map(
        lambda cuts: [data[a:b] for a, b in zip([0] + sorted(cuts), sorted(cuts) + [len(data)])])


def feed_both(twins, chunks, kw, flags=None):
    results = []
    for mod in twins:
        parser, commands = run(mod, chunks, kw, flags)
        results.append((commands, parser.error, parser.pending_bytes()))
    assert results[0] == results[1]
    return results[0]


LIMITS = st.fixed_dictionaries({}, optional={"max_inline": st.integers(0, 24),
                                             "max_bulk_len": st.integers(0, 8),
                                             "auth_required": st.booleans()})


@settings(max_examples=300, deadline=None)
@given(data=st.data(), kw=LIMITS,
       stream=st.one_of(st.binary(max_size=80),
                        st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(b"".join)))
def test_random_streams_twins_agree(resp_twins, data, kw, stream):
    chunks = data.draw(splits(stream))
    feed_both(resp_twins, chunks, kw)


def is_plain(arg):
    """Whether `arg` can be sent unquoted: no blanks, quotes, NUL, and no '*'
    that could make a line look like a multibulk request."""
    return bool(arg) and all(c not in b" \t\r\n\x0b\x0c\"'*\x00" for c in arg)


PLAIN = st.binary(min_size=1, max_size=8).filter(is_plain)


def quote_double(arg):
    out = bytearray(b'"')
    for c in arg:
        if 32 < c < 127 and c not in b'"\\':
            out.append(c)
        else:
            out += b"\\x%02x" % c
    return bytes(out + b'"')


def quote_single(arg):
    return b"'" + arg.replace(b"'", b"\\'") + b"'"


@st.composite
def inline_request(draw):
    args = draw(st.lists(st.one_of(PLAIN, st.binary(max_size=6)), max_size=4))
    parts = []
    for arg in args:
        single_ok = b"\\" not in arg and b"\n" not in arg and b"\x00" not in arg
        style = draw(st.sampled_from(["plain", "double", "single"]))
        if style == "plain" and is_plain(arg):
            parts.append(arg)
        elif style == "single" and single_ok:
            parts.append(quote_single(arg))
        else:
            parts.append(quote_double(arg))
    seps = st.sampled_from([b" ", b"\t", b"  ", b" \x0b ", b"\t\x0c", b"\r"])
    line = draw(st.sampled_from([b"", b" ", b"\t"]))
    for i, part in enumerate(parts):
        line += (draw(seps) if i else b"") + part
    line += draw(st.sampled_from([b"", b" ", b" \x0b"]))
    line += draw(st.sampled_from([b"\r\n", b"\n"]))
    return line, ([list(args)] if args else [])


@st.composite
def multibulk_request(draw):
    args = draw(st.lists(st.binary(max_size=12), min_size=1, max_size=4))
    lf = st.sampled_from([b"\n"] * 4 + [b"X", b"\x00", b"\r"])
    tail = st.sampled_from([b"\r\n"] * 4 + [b"XY", b"\x00\x00", b"\n\r"])
    out = b"*%d\r" % len(args) + draw(lf)
    for arg in args:
        out += b"$%d\r" % len(arg) + draw(lf) + arg + draw(tail)
    return out, [list(args)]


EMPTY_MBULK = st.sampled_from([(b"*0\r\n", []), (b"*-1\r\n", []), (b"*-3\r\n", [])])
VALID = st.one_of(multibulk_request(), inline_request(), EMPTY_MBULK)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), requests=st.lists(VALID, max_size=8),
       kw=st.sampled_from([{}, UNAUTH]))
def test_valid_streams_parse_to_the_generated_commands(resp_twins, data, requests, kw):
    # The generated requests are within the unauthenticated limits, so one
    # request per feed must give the same commands.
    stream = b"".join(r for r, _ in requests)
    expected = [cmd for _, cmds in requests for cmd in cmds]
    chunks = data.draw(splits(stream))
    assert feed_both(resp_twins, chunks, kw) == (expected, None, 0)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), kw=LIMITS,
       pieces=st.lists(st.one_of(VALID.map(lambda r: r[0]), st.sampled_from(BAD),
                                 st.sampled_from(FRAGMENTS)), max_size=10))
def test_mixed_valid_and_invalid_streams_twins_agree(resp_twins, data, kw, pieces):
    stream = b"".join(pieces)
    chunks = data.draw(splits(stream))
    feed_both(resp_twins, chunks, kw)


UNAUTH_PIECES = [b"*10\r\n", b"*11\r\n", b"*12\r\n", b"*1\r\n$16384\r\n", b"*1\r\n$16385\r\n",
                 b"*1\r\n$99999\r\n", b"$1\r\na\r\n", b"*0\r\n", b"*-1\r\n"]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), kw=LIMITS,
       pieces=st.lists(st.one_of(VALID.map(lambda r: r[0]), st.sampled_from(BAD),
                                 st.sampled_from(UNAUTH_PIECES)), max_size=10))
def test_auth_flag_flipped_between_feeds_twins_agree(resp_twins, data, kw, pieces):
    stream = b"".join(pieces)
    chunks = data.draw(splits(stream))
    flags = data.draw(st.lists(st.booleans(), min_size=len(chunks), max_size=len(chunks)))
    feed_both(resp_twins, chunks, kw, flags)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), requests=st.lists(VALID, min_size=1, max_size=6))
def test_split_does_not_matter_for_valid_streams(resp, data, requests):
    stream = b"".join(r for r, _ in requests)
    whole = run(resp, [stream], {})[1]
    assert run(resp, data.draw(splits(stream)), {})[1] == whole


# ---- reply encoding ----------------------------------------------------------
def _bulks_reference(values):
    return b"*%d\r\n" % len(values) + b"".join(b"$%d\r\n%b\r\n" % (len(v), v) for v in values)


@pytest.mark.parametrize("values", [
    [], [b""], [b"a"], [b"x" * 9, b"y" * 10, b"z" * 100, b""], [b"q" * 1023, b"r" * 1024],
    [b"\r\n$1\r\n"], [b"big" * 50000], [b"v%d" % i for i in range(1000)],
], ids=["empty", "empty-string", "one", "digit-boundaries", "head-table-end", "crlf-inside",
        "big", "many"])
def test_encode_bulks(resp, values):
    assert resp.encode_bulks(values) == _bulks_reference(values)


def test_encode_bulks_takes_any_bytes_like_sequence(resp):
    assert resp.encode_bulks((b"a", bytearray(b"bc"), memoryview(b"def"))) == \
        b"*3\r\n$1\r\na\r\n$2\r\nbc\r\n$3\r\ndef\r\n"
    assert resp.encode_bulks(v for v in [b"g"]) == b"*1\r\n$1\r\ng\r\n"


def test_encode_bulks_leaves_its_argument_alone(resp):
    values = [bytearray(b"ab"), b"c"]
    resp.encode_bulks(values)
    assert values == [bytearray(b"ab"), b"c"] and values[0].__class__ is bytearray


@pytest.mark.parametrize("bad", [[None], [1], ["text"], [b"ok", None]])
def test_encode_bulks_refuses_what_is_not_bytes(resp, bad):
    with pytest.raises(TypeError):
        resp.encode_bulks(bad)


@given(st.lists(st.binary(max_size=300), max_size=40))
@settings(max_examples=200, deadline=None)
def test_encode_bulks_twins_agree(resp_twins, values):
    compiled, pure = resp_twins
    assert compiled.encode_bulks(values) == pure.encode_bulks(values) == _bulks_reference(values)


@pytest.mark.parametrize("value", [b"", b"a", b"x" * 9, b"x" * 10, b"\r\n", b"big" * 50000,
                                   bytearray(b"ba"), memoryview(b"mv")])
def test_encode_bulk(resp, value):
    assert resp.encode_bulk(value) == b"$%d\r\n%b\r\n" % (len(value), value)


@pytest.mark.parametrize("bad", [None, 1, "text"])
def test_encode_bulk_refuses_what_is_not_bytes(resp, bad):
    with pytest.raises(TypeError):
        resp.encode_bulk(bad)


@pytest.mark.parametrize("value", [-1, 0, 1, 9, 10, 10000, 10001, -2, -10, 123456789,
                                   (1 << 63) - 1, -(1 << 63), 1 << 63, -(1 << 63) - 1, 1 << 100,
                                   True, False])
def test_encode_integer(resp, value):
    assert resp.encode_integer(value) == b":%d\r\n" % value


@given(st.integers())
@settings(max_examples=300, deadline=None)
def test_encode_integer_twins_agree(resp_twins, value):
    compiled, pure = resp_twins
    assert compiled.encode_integer(value) == pure.encode_integer(value) == b":%d\r\n" % value


# ---- span_end: how far a command's run may go under ACL key patterns ----------------------------
_SPAN_KEYS = st.binary(max_size=6) | st.sampled_from([b"key:", b"key;", b"key:1", b"ke", b"\xff"])
_SPAN_REQUESTS = st.lists(st.none() | st.lists(_SPAN_KEYS, min_size=0, max_size=3), max_size=12)


@settings(max_examples=300, deadline=None)
@given(_SPAN_REQUESTS, st.data(), _SPAN_KEYS, _SPAN_KEYS)
def test_span_end_twins_agree(resp_twins, cmds, data, low, high):
    compiled, pure = resp_twins
    n = len(cmds)
    if not n:
        return
    i = data.draw(st.integers(0, n - 1))
    got = compiled.span_end(cmds, i, n, low, high)
    assert got == pure.span_end(cmds, i, n, low, high)
    # Every request it spans has a first argument within the range.
    for argv in cmds[i + 1:got]:
        assert argv is not None and len(argv) >= 2 and low <= argv[1] < high
    assert got == n or not (cmds[got] is not None and len(cmds[got]) >= 2 and low <= cmds[got][1] < high)


def test_span_end_stops_at_n_and_at_each_edge(resp):
    cmds = [[b"GET", b"key:%d" % i] for i in range(5)] + [[b"GET", b"key;"], [b"GET", b"key:"]]
    assert resp.span_end(cmds, 0, 3, b"key:", b"key;") == 3
    assert resp.span_end(cmds, 0, len(cmds), b"key:", b"key;") == 5
    assert resp.span_end(cmds, 5, len(cmds), b"key:", b"key;") == 7
    assert resp.span_end([[b"GET", b"a"], [b"PING"]], 0, 2, b"", b"\xff") == 1
