#!/usr/bin/env python3
"""Summarizes a JMH JSON result file of the Weft benchmarks as markdown.

Prints a table of every result (time per operation and bytes allocated per operation), then the performance
targets, each computed as a ratio within the run and marked PASS or FAIL. Standard library only.

    python3 benchmarks/summarize.py benchmarks/target/results.json [--strict]

With --strict the exit status is 1 when a target fails or cannot be computed.
"""

import argparse
import json
import math
import sys

PACKAGE = "io.weft.benchmarks.core."
ALLOC_NORM = "gc.alloc.rate.norm"
DIGITS = {" B": 0, " ns": 1}  # decimals shown per unit; ratios get 2


class Result:
    """One benchmark run: a method with one set of parameter values."""

    def __init__(self, row):
        name = row["benchmark"]
        self.name = name[len(PACKAGE):] if name.startswith(PACKAGE) else name
        self.mode = row.get("mode", "")
        self.params = {key: str(value) for key, value in (row.get("params") or {}).items()}
        primary = row["primaryMetric"]
        self.time = number(primary.get("score"))
        self.time_error = number(primary.get("scoreError"))
        self.time_unit = primary.get("scoreUnit", "")
        self.bytes = math.nan
        self.bytes_error = math.nan
        for key, metric in (row.get("secondaryMetrics") or {}).items():
            # Older JMH versions prefix profiler metrics with a middle dot.
            if key.lstrip("\u00b7").strip() == ALLOC_NORM:
                self.bytes = number(metric.get("score"))
                self.bytes_error = number(metric.get("scoreError"))

    def matches(self, name, params):
        return self.name == name and all(self.params.get(k) == v for k, v in params.items())


class Estimate:
    """A value with its error (JMH's 99.9% confidence half-width, propagated as independent errors)."""

    def __init__(self, value, error):
        self.value = value
        self.error = error if not math.isnan(error) else 0.0

    def __truediv__(self, other):
        if other.value == 0 or math.isnan(other.value) or math.isnan(self.value):
            return Estimate(math.nan, math.nan)
        value = self.value / other.value
        relative = math.hypot(self.error / self.value, other.error / other.value)
        return Estimate(value, abs(value) * relative)

    def __add__(self, other):
        return Estimate(self.value + other.value, math.hypot(self.error, other.error))

    def __sub__(self, other):
        return Estimate(self.value - other.value, math.hypot(self.error, other.error))


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def fmt(value, digits=1):
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def find(results, name, **params):
    for result in results:
        if result.matches(name, params):
            return result
    return None


def time_of(result):
    return Estimate(result.time, result.time_error)


def bytes_of(result):
    return Estimate(result.bytes, result.bytes_error)


def param_values(results, name, param):
    return sorted({r.params[param] for r in results if r.name == name and param in r.params}, key=sort_key)


def sort_key(value):
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def results_table(results):
    lines = [
        "| benchmark | params | ns/op | B/op |",
        "|---|---|---:|---:|",
    ]
    for r in results:
        params = ", ".join(f"{k}={v}" for k, v in sorted(r.params.items())) or "-"
        time = f"{fmt(r.time)} ± {fmt(r.time_error)}"
        if r.time_unit and r.time_unit != "ns/op":
            time += f" {r.time_unit}"
        if r.mode and r.mode != "avgt":
            time += f" ({r.mode})"
        lines.append(f"| {r.name} | {params} | {time} | {fmt(r.bytes, 0)} |")
    return lines


def check(rows, what, estimate, limit, unit):
    """Adds a target row: PASS when the estimate is within the limit; 'marginal' when the error straddles it."""
    if estimate is None or math.isnan(estimate.value):
        rows.append((what, "n/a (not measured in this run)", f"≤ {limit:g}{unit}", "MISSING"))
        return False
    passed = estimate.value <= limit
    verdict = "PASS" if passed else "FAIL"
    if estimate.value - estimate.error <= limit < estimate.value + estimate.error:
        verdict += " (marginal: limit within error)"
    digits = DIGITS.get(unit, 2)
    measured = f"{fmt(estimate.value, digits)} ± {fmt(estimate.error, digits)}{unit}"
    rows.append((what, measured, f"≤ {limit:g}{unit}", verdict))
    return passed


def inform(rows, what, estimate, unit):
    """Adds a row without a target, for context."""
    if estimate is None or math.isnan(estimate.value):
        return
    digits = DIGITS.get(unit, 2)
    rows.append((what, f"{fmt(estimate.value, digits)} ± {fmt(estimate.error, digits)}{unit}", "-", "info"))


def ratio(results, numerator, denominator):
    if numerator is None or denominator is None:
        return None
    return time_of(numerator) / time_of(denominator)


def targets(results):
    rows = []
    ok = True

    sampled = find(results, "MonoSpanBenchmark.weftSampled")
    otel = find(results, "MonoSpanBenchmark.otelIdiom")
    untraced = find(results, "MonoSpanBenchmark.untraced")
    under_parent = find(results, "MonoSpanBenchmark.weftUnsampledUnderUnsampledParent")
    root = find(results, "MonoSpanBenchmark.weftUnsampledRoot")

    ok &= check(rows, "sampled Weft span (4 attributes) ÷ OpenTelemetry idiom, time",
                ratio(results, sampled, otel), 0.4, "×")
    ok &= check(rows, "sampled Weft span, bytes allocated per traced Mono",
                bytes_of(sampled) if sampled else None, 400, " B")
    ok &= check(rows, "unsampled span under unsampled parent ÷ untraced, time",
                ratio(results, under_parent, untraced), 1.5, "×")
    inform(rows, "sampled Weft span ÷ untraced, time", ratio(results, sampled, untraced), "×")
    inform(rows, "unsampled root span ÷ untraced, time", ratio(results, root, untraced), "×")
    if sampled and otel:
        inform(rows, "sampled Weft span ÷ OpenTelemetry idiom, bytes", bytes_of(sampled) / bytes_of(otel), "×")
    if otel:
        inform(rows, "OpenTelemetry idiom, bytes allocated per traced Mono", bytes_of(otel), " B")

    chain_name = "OperatorChainBenchmark"
    lengths = param_values(results, f"{chain_name}.weftChainWithOneSpan", "operators") or [None]
    for length in lengths:
        params = {"operators": length} if length is not None else {}
        traced = find(results, f"{chain_name}.weftChainWithOneSpan", **params)
        chain = find(results, f"{chain_name}.untracedChain", **params)
        span_only = find(results, f"{chain_name}.weftSpanOnly", **params)
        just = find(results, f"{chain_name}.untracedJust", **params)
        estimate = None
        if traced and chain and span_only and just:
            budget = time_of(chain) + time_of(span_only) - time_of(just)
            estimate = time_of(traced) / budget
        label = f"{length}-operator chain" if length is not None else "operator chain"
        ok &= check(rows, f"{label} with one span ÷ (untraced chain + one span), time", estimate, 1.0, "×")
        if estimate is not None:
            inform(rows, f"{label}: budget = untracedChain + weftSpanOnly − untracedJust", budget, " ns")

    hook = "AutomaticContextPropagationBenchmark"
    for method, is_target in (("weftSampled", True), ("otelIdiom", False), ("contextWriteOnly", False),
                              ("untraced", False)):
        on = find(results, f"{hook}.{method}", automaticPropagation="true")
        off = find(results, f"{hook}.{method}", automaticPropagation="false")
        what = f"{method}, propagation hook on ÷ off, time"
        if is_target:
            ok &= check(rows, f"traced Mono ({what})", ratio(results, on, off), 1.3, "×")
        else:
            inform(rows, what, ratio(results, on, off), "×")

    lines = [
        "| target | measured | limit | verdict |",
        "|---|---:|---:|---|",
    ]
    lines += [f"| {what} | {measured} | {limit} | {verdict} |" for what, measured, limit, verdict in rows]
    return lines, ok


def main():
    parser = argparse.ArgumentParser(description="Summarize Weft JMH results (JSON) as markdown.")
    parser.add_argument("results", help="JMH result file written with -rf json")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if any target fails")
    args = parser.parse_args()

    with open(args.results, encoding="utf-8") as f:
        rows = json.load(f)
    if not rows:
        sys.exit(f"{args.results} holds no results")
    results = [Result(row) for row in rows]

    first = rows[0]
    print(f"JMH {first.get('jmhVersion', '?')}, JDK {first.get('jdkVersion', '?')} ({first.get('vmName', '?')}), "
          f"{first.get('forks', '?')} fork, {first.get('warmupIterations', '?')} × {first.get('warmupTime', '?')} "
          f"warm-up, {first.get('measurementIterations', '?')} × {first.get('measurementTime', '?')} measurement. "
          f"Errors are JMH's 99.9% confidence half-widths.")
    print()
    print("\n".join(results_table(results)))
    print()
    target_lines, ok = targets(results)
    print("\n".join(target_lines))
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
