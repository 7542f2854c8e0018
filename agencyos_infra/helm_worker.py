"""Renders one local Helm chart in a process of its own: ``python -m agencyos_infra.helm_worker``.

helm-python-sdk loads Helm's Go runtime into the process that imports it. A Go runtime keeps its threads
and signal handlers, and a process that forks afterwards (the engine starts programs and packs) can have
its child aborted before it execs. So the engine never imports it: this worker does, reading the request
as JSON on stdin and writing ``{"rendered": {template: text}, "crds": [text]}`` or ``{"error": text}``.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    request = json.loads(sys.stdin.read())
    try:
        import helm_python
    except ImportError:
        json.dump({"missing": True}, sys.stdout)
        return
    try:
        with helm_python.Chart.load(request["chart"]) as chart:
            rendered = chart.render(
                request["values"], name=request["release"] or chart.name, namespace=request["namespace"]
            )
            crds = [entry["data"] for entry in chart.crds] if request["includeCrds"] else []
    except helm_python.HelmError as error:
        json.dump({"error": str(error)}, sys.stdout)
        return
    json.dump({"rendered": rendered, "crds": crds}, sys.stdout)


if __name__ == "__main__":
    main()
