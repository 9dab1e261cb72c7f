"""What the last good run loaded, asked of the warehouse from inside a source.

Some decisions need to know what is loaded (which customers exist, which orders' documents were
read). Keeping that in dlt's state would make the state grow with the data, and dlt stores a
copy of it with every load; the warehouse already holds it, exactly as the last good run left
it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from dlt.common.pipeline import current_pipeline
from dlt.destinations.exceptions import DatabaseUndefinedRelation

# dlt's sql client swaps the config section in a context shared by the extract's threads: two
# resources asking at once (one in a worker thread) would mangle it
_asking = threading.Lock()


def loaded(sql: str, tables: Sequence[str], *params: Any) -> list[tuple]:
    """The rows of `sql`, whose `{table}` placeholders name tables of this source's dataset.

    None are there to ask, and so none come back, outside a pipeline with a destination and
    before the first load has created the tables.
    """
    pipeline = current_pipeline()
    if pipeline is None or pipeline.destination is None:
        return []
    try:
        with _asking, pipeline.sql_client() as client:
            names = {table: client.make_qualified_table_name(table) for table in tables}
            return client.execute_sql(sql.format(**names), *params) or []
    except DatabaseUndefinedRelation:
        return []
