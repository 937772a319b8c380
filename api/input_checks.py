"""Text the boundary refuses: paths, query parameters, JSON and form bodies that PostgreSQL
(or UTF-8) could not store, each refusal naming the field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import Scope

# Deeper than any message we take; far below where a JSON parser runs out of stack.
MAX_JSON_DEPTH = 64
# A field name shown back to the user only when it looks like one of ours.
_SHOWN_NAME = re.compile(r"[A-Za-z0-9_.\-\[\]]{1,64}")
NOT_FOUND = "no such resource"


class Refusal(Exception):
    """What the boundary answers instead of the route: a status, the field at fault, and the
    reason (never the value sent)."""

    def __init__(self, status: int, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.status = status
        self.field = field
        self.reason = reason


def unstorable(text: str) -> str | None:
    """Why PostgreSQL (or UTF-8) could not keep this text, if it could not."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which text may not hold"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate, which is not valid Unicode"
    return None


def _undecodable(raw: bytes) -> str | None:
    """Why these bytes are no storable UTF-8 text, if they are not. (Python's strict UTF-8
    decoder refuses encoded surrogates too.)"""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    return unstorable(text)


def _percent_decoded(raw: bytes, *, plus_is_space: bool) -> bytes:
    return unquote_to_bytes(raw.replace(b"+", b" ") if plus_is_space else raw)


def check_address(scope: Scope) -> None:
    """The path (404: no resource has such a name) and every query parameter (422)."""
    path: str = scope["path"]
    raw_path: bytes | None = scope.get("raw_path")
    if unstorable(path) is not None or (
        raw_path is not None and _undecodable(_percent_decoded(raw_path, plus_is_space=False))
    ):
        raise Refusal(404, "path", NOT_FOUND)
    query: bytes = scope.get("query_string", b"")
    if query:
        _check_pairs(query, prefix="query.", whole="query")


def _check_pairs(encoded: bytes, *, prefix: str, whole: str) -> None:
    """name=value pairs joined by '&', percent-encoded ('+' a space): a query string or an
    urlencoded form."""
    for pair in encoded.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name = _percent_decoded(raw_name, plus_is_space=True)
        if _undecodable(name) is not None:
            raise Refusal(422, whole, "a field name is not storable UTF-8 text")
        field = shown_name(prefix, name.decode("utf-8"), whole)
        reason = _undecodable(_percent_decoded(raw_value, plus_is_space=True))
        if reason is not None:
            raise Refusal(422, field, reason)


def shown_name(prefix: str, name: str, whole: str) -> str:
    """The field's name as the refusal shows it, or just `whole` if the name is not one a
    form of ours could have (it is the caller's text, not ours)."""
    return f"{prefix}{name}" if _SHOWN_NAME.fullmatch(name) else whole


def check_form(content_type: str | None, body: bytes) -> None:
    """Every field name and value of an urlencoded or multipart form (file contents are
    bytes, not text: only their field name and file name are checked)."""
    if not body or content_type is None:
        return
    media, options = parse_options_header(content_type)
    if media == b"application/x-www-form-urlencoded":
        _check_pairs(body, prefix="", whole="form")
    elif media == b"multipart/form-data" and b"boundary" in options:
        _check_multipart(options[b"boundary"], body)


def _check_multipart(boundary: bytes, body: bytes) -> None:
    parts: list[tuple[list[tuple[bytes, bytes]], bytearray]] = []
    header: list[bytearray] = [bytearray(), bytearray()]

    def begin() -> None:
        parts.append(([], bytearray()))

    def data(chunk: bytes, start: int, end: int) -> None:
        parts[-1][1].extend(chunk[start:end])

    def header_field(chunk: bytes, start: int, end: int) -> None:
        header[0].extend(chunk[start:end])

    def header_value(chunk: bytes, start: int, end: int) -> None:
        header[1].extend(chunk[start:end])

    def header_end() -> None:
        parts[-1][0].append((bytes(header[0]).lower(), bytes(header[1])))
        header[0].clear()
        header[1].clear()

    try:
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": begin,
                "on_part_data": data,
                "on_header_field": header_field,
                "on_header_value": header_value,
                "on_header_end": header_end,
            },
        )
        parser.write(body)
        parser.finalize()
    except FormParserError:
        return  # not a readable form: the route's own parser refuses it
    for headers, value in parts:
        disposition = next((v for k, v in headers if k == b"content-disposition"), b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name", b"")
        if _undecodable(name) is not None:
            raise Refusal(422, "form", "a field name is not storable UTF-8 text")
        field = shown_name("", name.decode("utf-8"), "form")
        if b"filename" in options:
            if _undecodable(options[b"filename"]) is not None:
                raise Refusal(422, field, "the file name is not storable UTF-8 text")
            continue
        reason = _undecodable(bytes(value))
        if reason is not None:
            raise Refusal(422, field, reason)


@dataclass(frozen=True, slots=True)
class ParsedJson:
    """A JSON body as the boundary read it (`value` may be any JSON value, null included)."""

    value: Any


_PARSED = "boundary_parsed_json"


def check_json(body: bytes, *, check_text: bool) -> ParsedJson | None:
    """A JSON body: UTF-8, not nested past MAX_JSON_DEPTH and, with `check_text`, every key
    and string storable; the document read, or None when the text is not JSON (left to the
    route's parser, which names the place)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(422, "body", "not UTF-8 text (JSON is sent as UTF-8)") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise Refusal(422, "body", f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:
        return None
    if check_text:
        _walk(document)
    else:
        _check_depth(document)
    return ParsedJson(document)


def keep_parsed(scope: Scope, parsed: ParsedJson) -> None:
    """Hand the document the boundary read to the route (as `request.state`), so that a
    route that reads the body whole does not parse it a second time."""
    scope.setdefault("state", {})[_PARSED] = parsed


def parsed_body(state: object) -> ParsedJson | None:
    """The document the boundary read from this request's body (`request.state`), if it
    kept one."""
    parsed = getattr(state, _PARSED, None)
    return parsed if isinstance(parsed, ParsedJson) else None


def _check_depth(document: Any) -> None:
    """Only the nesting (text is another's to check): a value more than MAX_JSON_DEPTH
    levels down is refused, so a container at that depth must be empty. Walks containers
    only, without naming places (a MedCom Bundle has hundreds of keys; this runs for each
    message, and naming every key took as long as reading the Bundle's JSON twice)."""
    if type(document) is not dict and type(document) is not list:
        return  # a number, string, true, false or null has no nesting
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        container, depth = pending.pop()
        items = container.values() if type(container) is dict else container
        if not items:
            continue
        if depth >= MAX_JSON_DEPTH:
            raise Refusal(422, "body", f"nested deeper than {MAX_JSON_DEPTH} levels")
        for item in items:
            if type(item) is dict or type(item) is list:
                pending.append((item, depth + 1))


def _walk(document: Any) -> None:
    """Every key and string of a JSON document, and its nesting, without recursion; names
    the first fault."""
    pending: list[tuple[str, Any, int]] = [("", document, 0)]
    while pending:
        field, value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise Refusal(422, "body", f"nested deeper than {MAX_JSON_DEPTH} levels")
        texts: list[tuple[str, str]] = []
        if isinstance(value, str):
            texts.append((field, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{field}.{key}" if field else str(key)
                texts.append((inner, key))
                pending.append((inner, item, depth + 1))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                pending.append((f"{field}.{index}" if field else str(index), item, depth + 1))
        for name, text in texts:
            reason = unstorable(text)
            if reason is not None:
                raise Refusal(422, name or "body", reason)
