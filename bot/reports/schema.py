"""Write the JSON Schema of the report's JSON format: ``python -m bot.reports.schema [PATH]``.

The schema is generated from :class:`bot.reports.model.Report`, and a test fails when the
committed ``docs/report.schema.json`` differs from what the model generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bot.reports.model import SCHEMA_VERSION, Report

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


def report_schema() -> dict[str, Any]:
    schema = Report.model_json_schema(mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": f"extramile-culture-report-v{SCHEMA_VERSION}", **schema}
    schema["description"] = ("Extra Mile monthly culture report (extramile report --format json): one section per "
                             "feature (recognition, responsiveness, practice). Shares are fractions 0..1; a figure "
                             "hidden by the privacy rules is the text \"not reportable\" in its table cell. Counts: "
                             "kudos_given = kudos written in the month; kudos_received = recognitions (a kudos to two "
                             "people counts two). Each section's layout says how the HTML shows its data.")
    return schema


def schema_text() -> str:
    return json.dumps(report_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
