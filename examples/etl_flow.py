"""A small ETL flow: orders CSV -> cleaned orders -> per-region totals -> CSV.

Shows the pieces of taskbook a real pipeline uses:

* ``extract`` reads ``examples/data/orders.csv`` with pandas;
* ``fetch_exchange_rates`` is flaky (its first attempt in a process fails) and
  is retried;
* ``clean_orders`` is cached with ``INPUTS + TASK_SOURCE``: run the script twice
  and the second run reports it ``Cached`` (the cache is on disk, so it survives
  the process); edit its body and it runs again;
* ``aggregate_region`` is mapped over the regions on the thread-pool runner;
* ``load`` writes the totals to ``<out>/region_totals.csv``;
* a markdown artifact summarises the run in the run store.

Run it with ``python examples/etl_flow.py [--out DIR]``. Runs and the cache live
in ``$TASKBOOK_HOME`` (default ``./.taskbook``).
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path
from typing import Any

import pandas as pd

import taskbook
from taskbook import flow, get_run_logger, task, unmapped
from taskbook.artifacts import create_markdown_artifact
from taskbook.cache_policies import INPUTS, TASK_SOURCE

HERE = Path(__file__).resolve().parent
ORDERS_CSV = HERE / "data" / "orders.csv"
DEFAULT_OUT = HERE / "output"

_rate_calls = itertools.count()


@task
def extract(path: str) -> pd.DataFrame:
    """Read the raw orders."""
    orders = pd.read_csv(path, parse_dates=["order_date"])
    get_run_logger().info("Read %d orders from %s", len(orders), Path(path).name)
    return orders


@task(retries=2, retry_delay_seconds=0.2)
def fetch_exchange_rates(base: str = "EUR") -> dict[str, float]:
    """Stand-in for a rates service that times out now and then."""
    if next(_rate_calls) == 0:
        raise ConnectionError("rates service timed out (simulated)")
    return {"EUR": 1.0, "USD": 0.92, "GBP": 1.17}


@task(cache_policy=INPUTS + TASK_SOURCE)
def clean_orders(orders: pd.DataFrame, rates: dict[str, float]) -> pd.DataFrame:
    """Drop bad rows and price every order in EUR (the expensive step: cached)."""
    valid = orders.dropna(subset=["quantity"])
    valid = valid[valid["quantity"] > 0].copy()
    valid["quantity"] = valid["quantity"].astype(int)
    valid["amount_eur"] = (
        valid["quantity"] * valid["unit_price"] * valid["currency"].map(rates)
    ).round(2)
    return valid.reset_index(drop=True)


@task(task_run_name="aggregate-{region}")
def aggregate_region(orders: pd.DataFrame, region: str) -> dict[str, Any]:
    """Totals for one region."""
    rows = orders[orders["region"] == region]
    return {
        "region": region,
        "orders": len(rows),
        "units": int(rows["quantity"].sum()),
        "revenue_eur": round(float(rows["amount_eur"].sum()), 2),
        "top_product": rows.groupby("product")["amount_eur"].sum().idxmax(),
    }


@task
def load(totals: list[dict[str, Any]], out_dir: str) -> str:
    """Write the per-region totals as CSV; return the file's path."""
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    path = target / "region_totals.csv"
    pd.DataFrame(totals).sort_values("region").to_csv(path, index=False)
    return str(path)


def summary_markdown(totals: list[dict[str, Any]], dropped: int) -> str:
    lines = [
        "# Orders by region",
        "",
        "| region | orders | units | revenue (EUR) | top product |",
        "|---|---:|---:|---:|---|",
    ]
    for t in sorted(totals, key=lambda t: t["region"]):
        lines.append(
            f"| {t['region']} | {t['orders']} | {t['units']} | "
            f"{t['revenue_eur']:,.2f} | {t['top_product']} |"
        )
    lines += ["", f"{dropped} invalid order(s) dropped."]
    return "\n".join(lines)


@flow(name="etl-orders", log_prints=True)
def etl_orders(source: str = str(ORDERS_CSV), out_dir: str = str(DEFAULT_OUT)) -> dict:
    orders = extract(source)
    rates = fetch_exchange_rates()
    clean = clean_orders(orders, rates)
    regions = sorted(clean["region"].unique())
    totals = aggregate_region.map(unmapped(clean), regions).result()
    path = load(totals, out_dir)
    dropped = len(orders) - len(clean)
    create_markdown_artifact(
        summary_markdown(totals, dropped),
        key="orders-by-region",
        description="Per-region totals of the orders ETL",
    )
    print(f"Wrote {len(totals)} regions to {path}")
    return {"output": path, "regions": len(totals), "dropped": dropped}


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the orders ETL flow.")
    parser.add_argument("--source", default=str(ORDERS_CSV), help="orders CSV")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output directory")
    args = parser.parse_args()

    result = etl_orders(args.source, args.out)

    run = taskbook.get_run(taskbook.runs(flow_name="etl-orders", limit=1)["id"][0])
    print()
    print(f"run {run.name} ({run.id}): {run.state_name} in {run.duration:.2f} s")
    for t in run.task_runs:
        print(f"  {t.name:<28} {t.state_name:<10} attempts={t.run_count}")
    print(
        f"output: {result['output']} ({result['regions']} regions, "
        f"{result['dropped']} invalid rows dropped)"
    )
    print(f"artifact: {run.artifacts[0]['key']}" if run.artifacts else "no artifact")
    print()
    with pd.option_context("display.width", 120, "display.max_columns", 8):
        print(
            taskbook.runs()
            .head()[["name", "flow_name", "state_name", "duration", "task_runs"]]
            .to_string(index=False)
        )


if __name__ == "__main__":
    main()
