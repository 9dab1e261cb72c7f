"""Which account a source run is for, and the names of its configuration keys.

A platform's default account takes its keys from `sources.ticket_tailor.*`; account `london`
from `sources.ticket_tailor.london.*`, each key not set there falling back to the default's.
dlt resolves that itself when the source is built under the account's name
(`ticket_tailor_source.with_args(name="london")`); messages and counts go by the account's
label, `ticket_tailor:london`.
"""

from __future__ import annotations

from dlt.common.configuration.container import Container
from dlt.common.configuration.specs.config_section_context import ConfigSectionContext


def source_label(source: str) -> str:
    """`ticket_tailor`, or `ticket_tailor:london` when the source is being built for account
    london; to be called inside the source function."""
    sections = Container()[ConfigSectionContext].sections
    if len(sections) == 3 and sections[:2] == ("sources", source) and sections[2] != source:
        return f"{source}:{sections[2]}"
    return source


def config_key(label: str, key: str) -> str:
    """`sources.ticket_tailor.api_key`; for `ticket_tailor:london`,
    `sources.ticket_tailor.london.api_key`."""
    return ".".join(["sources", *label.split(":"), key])


def env_name(label: str, key: str) -> str:
    """The environment variable of a key: `SOURCES__TICKET_TAILOR__LONDON__API_KEY`."""
    return config_key(label, key).upper().replace(".", "__")
