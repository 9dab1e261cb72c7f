"""The baseline: dlt's generic `rest_api` source on the same endpoints, default settings.

Only what it needs to reach the API is set (base URL, Basic auth, the paths); paging, write
disposition and file format are rest_api's defaults. `python -m bench.baseline BASE_URL KEY`.
"""

from __future__ import annotations

import sys

import dlt
from dlt.sources.rest_api import rest_api_source


def baseline_source(base_url: str, api_key: str) -> dlt.sources.DltSource:
    return rest_api_source(
        {
            "client": {
                "base_url": base_url,
                "auth": {"type": "http_basic", "username": api_key, "password": ""},
            },
            "resources": [
                {"name": name, "endpoint": {"path": f"v1/{name}"}}
                for name in (
                    "events",
                    "event_series",
                    "orders",
                    "issued_tickets",
                    "check_ins",
                    "holds",
                    "products",
                    "membership_types",
                    "issued_memberships",
                    "discounts",
                    "vouchers",
                )
            ]
            + [
                {
                    "name": "voucher_codes",
                    "endpoint": {"path": "v1/vouchers/{resources.vouchers.id}/codes"},
                },
                {
                    "name": "waitlist_signups",
                    "endpoint": {
                        "path": "v1/event_series/{resources.event_series.id}/waitlist_signups"
                    },
                },
            ],
        },
        name="baseline",
    )


if __name__ == "__main__":
    base_url, api_key = sys.argv[1:3]
    pipeline = dlt.pipeline("baseline", destination="duckdb", dataset_name="baseline")
    print(pipeline.run(baseline_source(base_url, api_key)))
