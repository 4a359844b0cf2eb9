"""The client's indent shim (domainlayer.client, #11): textwrap.indent's text, faster."""

from __future__ import annotations

import random
import textwrap

import prisma._builder
import prisma.models
import pytest

import domainlayer.client as client_module

#: Every line boundary str.splitlines knows, and whitespace that is not one.
BOUNDARIES = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
]
BLANKS = [" ", "\t", "\u00a0", "\u3000"]

CASES = [
    "",
    "x",
    " ",
    "id",
    "id\n",
    "\n",
    "\n\n",
    "a\nb",
    "a\n\nb",
    "a\n   \nb\n",
    "  lead\ntrail  ",
    'query {\n  result: findUniqueUser\n  (\n    where: {\n      id: "1"\n    }\n  )\n}',
    *(f"a{b}b" for b in BOUNDARIES),
    *(f"a{b}{w}{b}b{b}" for b in BOUNDARIES for w in BLANKS),
]


def test_the_builder_uses_the_shim() -> None:
    assert prisma._builder.indent is client_module._indent


@pytest.mark.parametrize("text", CASES, ids=repr)
@pytest.mark.parametrize("prefix", ["  ", "\t", "> "])
def test_same_text_as_textwrap(text: str, prefix: str) -> None:
    assert client_module._indent(text, prefix) == textwrap.indent(text, prefix)


def test_same_text_for_random_texts() -> None:
    rng = random.Random(11)
    alphabet = ["a", "b", "{", "}", '"', *BOUNDARIES, *BLANKS]
    for _ in range(5000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
        assert client_module._indent(text, "  ") == textwrap.indent(text, "  "), repr(text)


def test_a_rendered_query_is_unchanged() -> None:
    # the builder's whole text, rendered with the shim and with textwrap's own function
    builder = prisma._builder.QueryBuilder(
        method="find_many",
        model=prisma.models.CoachUser,
        arguments={
            "take": 5,
            "where": {"email": {"contains": "a\nb"}},
            "include": {"profile": True},
        },
        prisma_models={"CoachUser", "CoachProfile"},
        relational_field_mappings={"CoachUser": {"profile": "CoachProfile"}},
    )
    shimmed = builder.build_query()
    prisma._builder.indent = textwrap.indent
    try:
        stock = builder.build_query()
    finally:
        prisma._builder.indent = client_module._indent
    assert shimmed == stock


def test_a_predicate_is_honoured() -> None:
    def every_line(_line: str) -> bool:
        return True

    text = "a\n\n  \nb"
    assert client_module._indent(text, "> ", every_line) == textwrap.indent(text, "> ", every_line)
    assert client_module._indent(text, "> ", every_line) == "> a\n> \n>   \n> b"
