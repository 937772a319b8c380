"""Text options the database can store: a click type that refuses NUL and lone surrogates."""

from __future__ import annotations

import click


class StorableText(click.ParamType[str]):
    """A string option or argument PostgreSQL can keep. A NUL cannot be in a real argument,
    but an unpaired surrogate can (bytes that are no UTF-8 arrive as surrogate escapes), and
    both can come through `run(argv)`; refused with click's usage error naming the option,
    never echoing the value."""

    name = "text"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        from api.input_checks import unstorable

        text = value if isinstance(value, str) else str(value)
        reason = unstorable(text)
        if reason is not None:
            self.fail(reason, param, ctx)
        return text


TEXT = StorableText()
