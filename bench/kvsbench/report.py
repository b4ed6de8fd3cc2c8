"""Results: samples per (scenario, metric, build), medians, B/A ratios, the
printed table and the JSON file."""
from __future__ import annotations

import statistics


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class Results:
    def __init__(self, labels: list):
        self.labels = labels
        # (scenario, metric) -> {"unit", "shared", "samples": {label: [v]}}
        self.rows: dict = {}
        self.errors: dict = {}

    def _row(self, sid, metric, unit, shared=False):
        key = (sid, metric)
        if key not in self.rows:
            self.rows[key] = {"unit": unit, "shared": shared,
                              "samples": {l: [] for l in self.labels}}
        return self.rows[key]

    def add(self, sid: str, label: str, rows: list) -> None:
        """Rows are (metric, value, unit), or (metric, value, unit, True)
        for a value that does not depend on the build (a floor)."""
        for metric, value, unit, *shared in rows:
            row = self._row(sid, metric, unit, shared=bool(shared and shared[0]))
            row["samples"][label].append(value)

    def add_shared(self, sid: str, rows: list) -> None:
        for metric, value, unit in rows:
            row = self._row(sid, metric, unit, shared=True)
            for label in self.labels:
                row["samples"][label].append(value)

    def fail(self, sid: str, message: str) -> None:
        self.errors[sid] = message

    def value(self, key, label):
        return _median(self.rows[key]["samples"][label])

    def ratio(self, key, label):
        row = self.rows[key]
        a, b = self.value(key, self.labels[0]), self.value(key, label)
        if row["shared"] or a is None or b is None or a == 0:
            return None
        return b / a

    def to_json(self, info: dict) -> dict:
        out = []
        for key, row in self.rows.items():
            entry = {"scenario": key[0], "metric": key[1], "unit": row["unit"],
                     "shared": row["shared"],
                     "value": {l: self.value(key, l) for l in self.labels},
                     "samples": row["samples"]}
            if len(self.labels) > 1:
                entry["ratio"] = {f"{l}/{self.labels[0]}": self.ratio(key, l)
                                  for l in self.labels[1:]}
            out.append(entry)
        return {"machine": info, "results": out, "errors": self.errors}


def fmt(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return str(int(v))
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.3g}"


def table(results: Results, info: dict) -> str:
    labels = results.labels
    compare = len(labels) > 1
    head = ["scenario", "metric"] + (labels if compare else ["value"])
    if compare:
        head += [f"{l}/{labels[0]}" for l in labels[1:]]
    head.append("unit")
    lines = []
    for key, row in results.rows.items():
        cells = [key[0], key[1]] + [fmt(results.value(key, l)) for l in labels]
        if compare:
            cells += ["-" if results.ratio(key, l) is None else f"{results.ratio(key, l):.2f}"
                      for l in labels[1:]]
        unit = row["unit"]
        cells.append(unit)
        lines.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *lines)]
    right = set(range(2, len(head) - 1))

    def render(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [_header(info, labels)]
    out.append(render(head))
    out.append(render(["-" * w for w in widths]))
    out += [render(l) for l in lines]
    for sid, message in results.errors.items():
        out.append(f"{sid}: FAILED: {message}")
    return "\n".join(out)


def _header(info: dict, labels: list) -> str:
    lines = [f"kvssink bench: {info['cpus']} x {info['cpu-model']}, "
             f"{info['memory-mb']} MB, Linux {info['kernel']}, "
             f"load {info['load-average-start'][0]:.1f} -> {info['load-average-end'][0]:.1f}; "
             f"commit {info['commit']}{' (+ local changes)' if info['tree-dirty'] else ''}, "
             f"{info['buildtype']} build; {info['seconds']} s"
             + ("; QUICK (smoke run, numbers not comparable)" if info["quick"] else "")]
    for label in labels:
        lines.append(f"  {label}: {info['plugins'][label]}")
    return "\n".join(lines)


def markdown(results: Results) -> str:
    """The table as Markdown (for bench/README.md's recorded results)."""
    labels = results.labels
    compare = len(labels) > 1
    head = ["scenario", "metric"] + (labels if compare else ["value"])
    head += [f"{l}/{labels[0]}" for l in labels[1:]] + ["unit"]
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i < 2 or i == len(head) - 1 else "---:"
                          for i in range(len(head))) + "|"]
    for key, row in results.rows.items():
        cells = [key[0], key[1]] + [fmt(results.value(key, l)) for l in labels]
        cells += ["-" if results.ratio(key, l) is None else f"{results.ratio(key, l):.2f}"
                  for l in labels[1:]]
        out.append("| " + " | ".join(cells + [row["unit"]]) + " |")
    for sid, message in results.errors.items():
        out.append(f"| {sid} | FAILED: {message} |" + " |" * (len(head) - 2))
    return "\n".join(out)
