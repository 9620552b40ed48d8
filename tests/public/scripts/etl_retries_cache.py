"""ETL with a flaky extract (retries), cross-run caching and artifacts.

Run it twice in the same directory: the second run takes ``transform`` and
``load`` from the cache, so their call counters do not move.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import INPUTS
from prefect.tasks import task_input_hash

WORKDIR = Path.cwd()
TRANSFORM_CALLS = WORKDIR / "transform_calls.txt"
LOAD_CALLS = WORKDIR / "load_calls.txt"

extract_attempts = 0


def bump(counter: Path) -> int:
    count = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(count))
    return count


@task(retries=3, retry_delay_seconds=0.05)
def extract(source: str) -> list[dict[str, object]]:
    global extract_attempts
    extract_attempts += 1
    if extract_attempts < 3:
        raise ConnectionError(f"{source} unavailable (attempt {extract_attempts})")
    return [
        {"city": "Oslo", "temp_c": 4.5},
        {"city": "Lima", "temp_c": 19.0},
        {"city": "Cairo", "temp_c": 28.25},
    ]


@task(cache_policy=INPUTS)
def transform(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    bump(TRANSFORM_CALLS)
    return [
        {"city": r["city"], "temp_f": round(float(r["temp_c"]) * 9 / 5 + 32, 2)}
        for r in rows
    ]


@task(cache_key_fn=task_input_hash, cache_expiration=timedelta(hours=1))
def load(rows: list[dict[str, object]], table: str) -> int:
    bump(LOAD_CALLS)
    return len(rows)


@flow(name="weather-etl")
def weather_etl(
    source: str = "https://example.invalid/weather.csv",
) -> dict[str, object]:
    logger = get_run_logger()
    raw = extract(source)
    clean = transform(raw)
    loaded = load(clean, table="weather")
    logger.info("Loaded %d rows", loaded)
    create_table_artifact(
        table=clean, key="weather-table", description="Converted temps"
    )
    create_markdown_artifact(
        markdown="# Weather ETL\n\n"
        + "\n".join(f"- {r['city']}: {r['temp_f']} F" for r in clean),
        key="weather-report",
    )
    return {"rows": clean, "loaded": loaded}


if __name__ == "__main__":
    result = weather_etl()
    for row in result["rows"]:
        print(f"{row['city']}: {row['temp_f']}")
    print(f"loaded: {result['loaded']}")
    print(f"extract attempts: {extract_attempts}")
    print(f"transform calls: {TRANSFORM_CALLS.read_text()}")
    print(f"load calls: {LOAD_CALLS.read_text()}")
