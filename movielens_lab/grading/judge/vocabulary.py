"""What the judge may say: the instructor's own words and a fixed list of its own, never a student's text.

Everything the judge writes ends up in feedback.html and results.json, which the student reads.
Hints and messages are kept only when they are string literals of the instructor's code (the given
cells and the tests), or f-strings of it whose every interpolated part is a number; an error is
shown by its built-in type, with its message only when that too is a literal (an assert's text) or
the standard "name 'x' is not defined". Anything else, which may carry text a student's code wrote,
is reduced to the type or dropped. The judge runs this on its own side of the sandbox.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable

MAX_IDENTIFIER = 40
NUMBER = r"[-+]?(?:\d[\d,_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?%?|[-+]?inf|nan"
UNDEFINED = re.compile(r"^name '([A-Za-z_][A-Za-z0-9_]{0,39})' is not defined$")
DETAIL = re.compile(r"^(?P<hint>.*?) \[(?P<detail>[^\[\]]*)\]$", re.DOTALL)
"""A hint with what went wrong appended, as the lab's LabCheck writes it: ``hint [TypeError: ...]``."""
BUILTIN_ERRORS = {name for name in dir(builtins) if isinstance(getattr(builtins, name), type)
                  and issubclass(getattr(builtins, name), BaseException)}


def identifier(name: str) -> str:
    """A name as it may be shown: an identifier, shortened."""
    name = re.sub(r"\W", "_", str(name))[:MAX_IDENTIFIER]
    return name if name.isidentifier() else "_" + name


def error_name(name: str) -> str:
    """An error type as it may be shown: a built-in one by its name, any other as ``Exception``."""
    return name if name in BUILTIN_ERRORS else "Exception"


class Vocabulary:
    """The texts the instructor's ``code`` can produce: its string literals and number-only f-strings."""

    def __init__(self, code: Iterable[str]) -> None:
        self.literals: set[str] = set()
        patterns: list[str] = []
        for source in code:
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    self.literals.add(node.value.strip())
                elif isinstance(node, ast.JoinedStr):
                    patterns.append("".join(re.escape(part.value) if isinstance(part, ast.Constant)
                                            else f"(?:{NUMBER})" for part in node.values))
        self.pattern = re.compile("|".join(f"(?:{p.strip()})" for p in patterns)) if patterns else None

    def allows(self, text: str) -> bool:
        text = text.strip()
        return text in self.literals or (self.pattern is not None and self.pattern.fullmatch(text) is not None)

    def error(self, name: str, message: str) -> str:
        """An error as it may be shown: ``Type: message`` with a literal or standard message, else ``Type``."""
        name = error_name(name)
        message = message.strip()
        if message and (self.allows(message) or (name == "NameError" and UNDEFINED.match(message))):
            return f"{name}: {message}"
        return name

    def hint(self, text: str) -> str | None:
        """A hint as it may be shown (with its error detail checked); None when it is not the instructor's."""
        text = str(text)
        if self.allows(text):
            return text.strip()
        found = DETAIL.match(text)
        if found is None or not self.allows(found["hint"]):
            return None
        name, _, message = found["detail"].partition(":")
        return f"{found['hint'].strip()} [{self.error(name.strip(), message)}]"

    def lines(self, text: str) -> list[str]:
        """The lines of printed ``text`` that are the instructor's (a leading "- " kept)."""
        kept = []
        for line in text.splitlines():
            body = line.strip()
            bullet = body.startswith("- ")
            shown = self.hint(body[2:] if bullet else body) if body else None
            if shown is not None:
                kept.append(("  - " if bullet else "") + shown)
        return kept
