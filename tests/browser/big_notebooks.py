"""Two notebooks whose live views must fit: a 12-node ETL and a 200-node DAG.

Some of their tasks wait for a gate file (``Gates``), so a test sees the run in
flight with nodes running, failed and waiting at once, however busy the machine.
``etl_cells`` runs with ``extract_rates`` and ``price`` held and ``by_day``
failed; ``wide_cells`` holds five tasks spread over the graph.
"""

from __future__ import annotations

import random

from five_tasks import Gates

ETL_HELD = ("extract_rates", "price")
WIDE_HELD = ("t040", "t090", "t130", "t170", "t197")


def _helpers(gates: Gates) -> str:
    return (
        "import pathlib, time\n"
        f"GATES = pathlib.Path({str(gates.folder)!r})\n\n"
        "def hold(name):\n"
        "    while not (GATES / name).exists():  # released by the test\n"
        "        time.sleep(0.02)\n"
    )


def etl_cells(gates: Gates) -> list[str]:
    """A 12-node notebook: parameters, helpers, ten task and plain cells."""
    return [
        "%load_ext taskbook",
        "%%params\nrows = 100",
        _helpers(gates),
        "%%task extract_orders\norders = list(range(rows))",
        "%%task extract_customers\ncustomers = {i: f'c{i}' for i in range(10)}",
        '%%task extract_rates\nhold("extract_rates")\nrates = {"EUR": 1.0}',
        "%%task clean_orders\nclean = [o for o in orders if o % 7]",
        "%%task join\njoined = [(o, customers[o % 10]) for o in clean]",
        '%%task price\nhold("price")\npriced = [(o, c, o * rates["EUR"]) for o, c in joined]',
        "%%task by_customer\nby_customer = {c: sum(p for _, k, p in priced if k == c)"
        " for c in customers.values()}",
        "%%task by_day\nif clean:\n"
        '    raise ValueError(f"no order dates in {len(clean)} orders")\nby_day = {}',
        "%%task report\nreport = (len(by_customer), by_day)",
        "print(report)",
        "%flow run",
    ]


def wide_cells(gates: Gates, size: int = 198) -> list[str]:
    """A 200-node notebook: parameters, helpers and ``size`` tasks reading earlier ones."""
    rng = random.Random(12)
    cells = [
        "%load_ext taskbook",
        "%%params\nseed = 1",
        _helpers(gates),
    ]
    for i in range(size):
        name = f"t{i:03d}"
        if i < 12:
            body = f"v{i:03d} = seed + {i}"
        else:
            parents = sorted({rng.randrange(max(0, i - 30), i) for _ in range(2)})
            body = f"v{i:03d} = " + " + ".join(f"v{p:03d}" for p in parents)
        if name in WIDE_HELD:
            body = f'hold("{name}")\n{body}'
        cells.append(f"%%task {name}\n{body}")
    cells.append("%flow run")
    return cells
