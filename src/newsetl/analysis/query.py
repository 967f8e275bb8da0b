"""Search queries as people write them, turned into the form the SQL macros take.

People write `(shoigu OR lavrov) AND pyongyang NOT parade`; the macros in search.sql take an
OR of AND groups without parentheses (`shoigu pyongyang -parade OR lavrov pyongyang -parade`).
This module parses the first (NOT binds tightest, then AND, then OR; AND may be left out) and
writes the second, so the command line and SQL agree on what a query means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CLAUSES = 64
TOKEN = re.compile(r'\s*(\(|\)|-(?=["\w(])|"[^"]*"?|[^\s()"]+)')


class QueryError(ValueError):
    """A query that cannot be read; the message says where, in one line."""


@dataclass(frozen=True)
class Item:
    text: str  # a word, or a phrase with its quotes
    negated: bool = False

    def __str__(self) -> str:
        return ("-" if self.negated else "") + self.text


Clause = tuple[Item, ...]


def tokens(query: str) -> list[str]:
    found, pos = [], 0
    while pos < len(query):
        match = TOKEN.match(query, pos)
        if not match:
            break
        found.append(match.group(1))
        pos = match.end()
    return found


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = tokens(query)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> list[Clause]:
        if not self.tokens:
            raise QueryError("the query is empty")
        clauses = self.either()
        if self.peek() is not None:
            raise QueryError(f"unexpected '{self.peek()}' in the query")
        return clauses

    def either(self) -> list[Clause]:
        clauses = self.all_of()
        while self.peek() == "OR":
            self.take()
            clauses = clauses + self.all_of()
            _check_size(clauses)
        return clauses

    def all_of(self) -> list[Clause]:
        clauses = self.unary()
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            right = self.unary()
            clauses = [a + b for a in clauses for b in right]
            _check_size(clauses)
        return clauses

    def unary(self) -> list[Clause]:
        token = self.peek()
        if token is None:
            if self.pos and self.tokens[self.pos - 1] == "(":
                raise QueryError("a '(' in the query is not closed")
            raise QueryError("the query ends with an operator (AND, OR, NOT)")
        if token in ("NOT", "-"):
            self.take()
            return negate(self.unary())
        if token == "(":
            self.take()
            inner = self.either()
            if self.peek() != ")":
                raise QueryError("a '(' in the query is not closed")
            self.take()
            return inner
        if token in (")", "AND", "OR"):
            raise QueryError(f"unexpected '{token}' in the query")
        self.take()
        return [(Item(token),)]


def negate(clauses: list[Clause]) -> list[Clause]:
    """NOT (c1 OR c2) = NOT c1 AND NOT c2, and NOT (a AND b) = NOT a OR NOT b."""
    result: list[Clause] = [()]
    for clause in clauses:
        result = [r + (Item(i.text, not i.negated),) for r in result for i in clause]
        _check_size(result)
    return result


def _check_size(clauses: list[Clause]) -> None:
    if len(clauses) > MAX_CLAUSES:
        raise QueryError(f"the query expands to more than {MAX_CLAUSES} OR groups: simplify it")


def parse(query: str) -> list[Clause]:
    return _Parser(query).parse()


def normalise(query: str) -> str:
    """The query as the SQL macros take it: OR groups of items, no parentheses."""
    return " OR ".join(" ".join(str(i) for i in clause) for clause in parse(query))
