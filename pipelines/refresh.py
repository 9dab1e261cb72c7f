"""`--full-refresh`: reload a source from scratch without taking its tables away meanwhile.

dlt's own `refresh=` modes drop or truncate the tables as the load starts, so readers find them
missing or empty until it ends, and on Postgres a `DROP TABLE` fails once a view depends on the
table. Instead every table the source writes is loaded with write disposition `replace`; with
`[destination] replace_strategy = "insert-from-staging"` dlt loads the rows into the
`_staging_<dataset>` schema and, once all of a table's rows are there (as the load ends), in one
transaction per table and its nested tables, empties the live table and copies them in. The
tables (and the views on them) stay as they are, with their old rows, until then; a table that
gets no rows at all is emptied too.

A replace keeps every row it is given, where a merge keeps one per primary key: a record read
twice in the run is kept once, as first read (a replace cannot pick the later read as a
merge's `dedup_sort` does). The sources read each record once when they start from scratch
(Ticket Tailor's sweeps wait for a cursor), so this only guards against the unexpected. Rows
flagged deleted are left out: with nothing loaded before, there is nothing for them to delete.

The source's state (cursors, marks) is cleared at the start of the extract, inside the state
that dlt commits with the load package: a refresh that fails or is stopped before its package
is complete leaves the state, like the tables, as the last good run left them.
"""

from __future__ import annotations

import threading
from typing import Any

import dlt
from dlt.common.normalizers.json.relational import DataItemNormalizer as RelationalNormalizer
from dlt.common.schema.utils import get_columns_names_with_prop
from dlt.extract import DltResource, DltSource

from sources.records import DELETED_FLAG

from .config import ConfigError

# the replace strategy that loads into staging and swaps at the end
SWAP_STRATEGY = "insert-from-staging"
# column hints that only a merge applies, and their "off" values
MERGE_ONLY_HINTS = {"hard_delete": False, "dedup_sort": None}
# the resource that clears the source's state; it yields nothing, so it writes no table
RESET_RESOURCE = "_full_refresh_reset"


def full_refresh(source: DltSource) -> DltSource:
    """The source, set up to rebuild every table it writes from scratch in this run."""
    strategy = dlt.config.get("destination.replace_strategy")
    if strategy != SWAP_STRATEGY:
        # any other strategy empties the tables as the load starts, the very thing avoided here
        raise ConfigError(
            f'--full-refresh needs `[destination] replace_strategy = "{SWAP_STRATEGY}"` (as '
            f"in this project's .dlt/config.toml), not {strategy!r}: run the sync from the "
            "project folder or set DESTINATION__REPLACE_STRATEGY."
        )
    merged = []
    for resource in source.resources.selected.values():
        disposition = resource.write_disposition
        if isinstance(disposition, dict):
            disposition = disposition.get("disposition")
        if disposition == "merge" and not resource.has_dynamic_table_name:
            merged.append(resource.table_name)
        # primary keys, columns and nested hints stay: only how the rows land changes
        resource.apply_hints(write_disposition="replace")
        # a replace would store a row flagged deleted as a row: in a rebuild a record gone
        # from the API (or a parent without children) is simply not there
        resource.add_filter(_not_deleted)
        if keys := _primary_key(resource):
            resource.add_filter(_FirstRead(keys))
        if merge_hints := _without_merge_hints(resource):
            # dlt warns that they mean nothing to a replace; the next run sets them again
            resource.apply_hints(columns=merge_hints)
    _keep_root_keys(source, merged)
    source.resources.add(dlt.resource(_reset_source_state, name=RESET_RESOURCE))
    return source


def _keep_root_keys(source: DltSource, tables: list[str]) -> None:
    """Gives the nested tables of these (merged) tables `_dlt_root_id`, as a merge does.

    dlt links nested rows to their root only for merged tables: a table first created by a
    full refresh would lack the column, and the next run's merge would fail to add it to a
    table with rows (NOT NULL).
    """
    normalizer = source.schema.data_item_normalizer
    assert isinstance(normalizer, RelationalNormalizer)
    root_key = {normalizer.c_dlt_id: normalizer.c_dlt_root_id}
    RelationalNormalizer.update_normalizer_config(
        source.schema, {"propagation": {"tables": {table: dict(root_key) for table in tables}}}
    )


def _primary_key(resource: DltResource) -> list[str]:
    """The resource's primary key columns (none when its hints depend on the rows)."""
    if resource.has_dynamic_table_name or resource.has_other_dynamic_hints:
        return []
    table = resource.compute_table_schema()
    return get_columns_names_with_prop(table, "primary_key", include_incomplete=True)


def _without_merge_hints(resource: DltResource) -> dict[str, dict]:
    """The resource's columns that carry merge-only hints, with those hints turned off."""
    columns = resource.columns
    if not isinstance(columns, dict):
        return {}
    return {
        name: {**column, **{hint: off for hint, off in MERGE_ONLY_HINTS.items() if hint in column}}
        for name, column in columns.items()
        if any(column.get(hint) for hint in MERGE_ONLY_HINTS)
    }


def _not_deleted(row: Any) -> bool:
    return not (isinstance(row, dict) and row.get(DELETED_FLAG))


class _FirstRead:
    """Passes the first row of each primary key; dlt may call it from its worker threads."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.seen: set[tuple] = set()
        self.lock = threading.Lock()

    def __call__(self, row: Any) -> bool:
        if not isinstance(row, dict):
            return True
        key = tuple(row.get(name) for name in self.keys)
        with self.lock:
            if key in self.seen:
                return False
            self.seen.add(key)
        return True


def _reset_source_state() -> list:
    """Clears the source's state: its resources' cursors and the marks shared between them.

    Not a generator, so dlt calls it when it sets up the extract, before any resource reads
    the state, and inside the pipeline state that it commits only with a complete package.
    (dlt itself resets the state of `replace` resources there too, but not source-level
    state.)
    """
    dlt.current.source_state().clear()
    return []
