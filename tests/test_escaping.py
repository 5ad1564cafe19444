"""Hostile text: property tests of geo.render.safe over arbitrary Unicode and attack payloads.

``text()`` must be inert as HTML text, as a quoted attribute value and inside a
JavaScript template literal, and lossless (``html.unescape`` gives the input
back); ``url()`` keeps http(s) links only, whatever the case, padding or control
characters around the scheme; ``script_json()`` is valid JSON that cannot end
its ``<script>`` element or open an HTML comment.
"""

from __future__ import annotations

import html
import json
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geo.render.safe import is_http_url, script_json, text, url

PAYLOADS = [
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "`${alert(1)}`",
    "${document.cookie}",
    "\\`; alert(1); //",
    "\\u003cscript\\u003e",
    "<!-- ",
    "]]>",
    "{{constructor.constructor('alert(1)')()}}",
    "javascript:alert(1)",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "\u2028\u2029",
    "داعش <b>كركوك</b> ${x}",
    "\x00\x1f\x7f",
]

#: Arbitrary text mixed with fragments that matter to HTML, JS and URLs.
hostile = st.lists(
    st.one_of(st.text(), st.sampled_from(PAYLOADS), st.sampled_from(list("<>&\"'`${}\\/:"))),
    max_size=8,
).map("".join)

FORBIDDEN_IN_TEXT = ("<", ">", '"', "'", "`", "${", "\\")


@settings(max_examples=500)
@given(hostile)
@example("")
@example("${")
@example("&amp;")
def test_text_is_inert_and_lossless(value):
    out = text(value)
    for bad in FORBIDDEN_IN_TEXT:
        assert bad not in out, (value, out)
    assert "$" not in out and "{" not in out and "}" not in out
    assert html.unescape(out) == value


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans()))
def test_text_of_numbers_is_their_str(value):
    assert text(value) == str(value)


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_text_of_missing_is_empty(missing):
    assert text(missing) == ""


# --------------------------------------------------------------------------- url()

BAD_SCHEMES = [
    "javascript",
    "vbscript",
    "data",
    "file",
    "ftp",
    "blob",
    "about",
    "mailto",
    "jar",
    "chrome",
    "livescript",
    "ws",
    "wss",
    "httpx",
    "http2",
    "shttp",
]


def _mixed_case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if f else c for c, f in zip(word, flips, strict=True))


@st.composite
def bad_scheme_urls(draw: st.DrawFn) -> str:
    """A URL with a scheme other than http(s), in any case, with hostile padding."""
    scheme = _mixed_case(draw, draw(st.sampled_from(BAD_SCHEMES)))
    pad = draw(st.text(alphabet=" \t\r\n\x00\x01\x08\x0b\x0c\x1f", max_size=4))
    inner = draw(st.sampled_from(["", "\t", "\n", "\r", " "]))
    cut = draw(st.integers(0, len(scheme)))
    slashes = draw(st.sampled_from(["", "//", "///", "\\\\"]))
    rest = draw(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=30)))
    return f"{pad}{scheme[:cut]}{inner}{scheme[cut:]}:{slashes}{rest}"


@settings(max_examples=500)
@given(bad_scheme_urls())
@example("JaVaScRiPt:alert(1)")
@example("  javascript:alert(1)")
@example("\x01javascript:alert(1)")
@example("java\tscript:alert(1)")
@example("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==")
@example("vbscript:msgbox(1)")
@example("//evil.example/x")
@example("https:/evil.example")
@example("https:evil.example")
def test_url_refuses_every_other_scheme(value):
    assert url(value) == ""
    assert not is_http_url(value)


@settings(max_examples=300)
@given(hostile)
def test_url_output_is_empty_or_an_inert_http_link(value):
    out = url(value)
    if out == "":
        return
    for bad in FORBIDDEN_IN_TEXT:
        assert bad not in out
    link = html.unescape(out)
    assert link.lower().startswith(("http://", "https://"))
    assert not any(ch in link for ch in "\x00\t\r\n ")


@given(
    st.sampled_from(["http", "https", "HTTP", "HtTpS"]),
    st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z]{2,6}){1,2}", fullmatch=True),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/-_.~%?=&#", max_size=40),
)
def test_url_keeps_http_links(scheme, host, path):
    link = f"{scheme}://{host}/{path}"
    assert url(link) == text(link)
    assert html.unescape(url(link)) == link
    assert url(f"  {link} ") == text(link)


@pytest.mark.parametrize("missing", [None, float("nan"), ""])
def test_url_of_missing_is_empty(missing):
    assert url(missing) == ""


# --------------------------------------------------------------------------- script_json()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(hostile, children, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=300)
@given(json_values)
@example({"</script>": "<!--", "x": "</SCRIPT >\u2028"})
def test_script_json_is_valid_json_that_cannot_close_its_script(value):
    out = script_json(value)
    assert "</" not in out
    assert "<!--" not in out
    assert "<" not in out and ">" not in out
    assert "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == value


@given(json_values)
def test_script_json_is_deterministic(value):
    assert script_json(value) == script_json(json.loads(script_json(value)))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_script_json_refuses_non_finite_numbers(bad):
    with pytest.raises(ValueError, match="JSON compliant"):
        script_json({"value": bad})


@pytest.mark.parametrize("value", ["data://]]>", "http://[::1", "https://]/x"])
def test_malformed_urls_are_refused_not_raised(value):
    assert url(value) == ""
