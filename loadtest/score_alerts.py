#!/usr/bin/env python3
"""Score alerts against the load generator's ground truth.

Reads the ground-truth file of auditstream-loadgen (one scenario instance per line: the rule that must fire
and the audit IDs that must all appear in one alert of that rule) and the alerts (JSON lines as `replay`
prints them, or `kcat -f '%T\\t%s\\n'` lines from the alerts topic: the Kafka timestamp in ms, a tab, the
alert). Prints recall per scenario, the alerts raised on background traffic (no attack audit ID in their
evidence) by level and by rule — our own rules (author auditstream) apart from SigmaHQ's — and, when the
alerts carry Kafka timestamps, detection latency percentiles (alert on the topic − event time of the
alert's last event). --json writes the same as one JSON object.
"""
import argparse
import collections
import datetime
import json
import math
import sys

LEVELS = ["informational", "low", "medium", "high", "critical"]


def event_seconds(text):
    # 2026-03-01T10:00:00.123456789Z -> seconds since the epoch (float)
    whole, _, fraction = text.rstrip("Z").partition(".")
    base = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return base.timestamp() + (float("0." + fraction) if fraction else 0.0)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100.0 * len(ordered)) - 1))]


def read_alerts(path):
    alerts = []
    with open(path, encoding="utf-8", errors="replace") as stream:
        for line in stream:
            line = line.rstrip("\n")
            if not line:
                continue
            timestamp = None
            if not line.startswith("{"):
                head, _, line = line.partition("\t")
                timestamp = int(head) / 1000.0
            try:
                alert = json.loads(line)
            except json.JSONDecodeError:
                continue
            alerts.append((timestamp, alert))
    return alerts


def score(truth_path, alerts_path, ignore_cluster, latency_since=None):
    truth = [json.loads(line) for line in open(truth_path, encoding="utf-8") if line.strip()]
    alerts = read_alerts(alerts_path)
    attack_ids = set()
    for instance in truth:
        attack_ids.update(instance["all_audit_ids"])
    by_rule = collections.defaultdict(list)
    for timestamp, alert in alerts:
        by_rule[alert["rule"]["id"]].append((timestamp, alert))

    per_scenario = collections.OrderedDict()
    missed = []
    scenario_latencies = []
    for instance in truth:
        required = set(instance["audit_ids"])
        hit = None
        for timestamp, alert in by_rule.get(instance["rule_id"], []):
            if not ignore_cluster and alert.get("cluster") != instance["cluster"]:
                continue
            if required <= set(alert.get("evidence", {}).get("audit_ids", [])):
                hit = (timestamp, alert)
                break
        entry = per_scenario.setdefault(instance["scenario"], {"injected": 0, "detected": 0})
        entry["injected"] += 1
        if hit:
            entry["detected"] += 1
            if hit[0] is not None:
                event_time = event_seconds(hit[1]["last_event_time"])
                if latency_since is None or event_time >= latency_since:
                    scenario_latencies.append(hit[0] - event_time)
        else:
            missed.append({"scenario": instance["scenario"], "cluster": instance["cluster"],
                           "start_ns": instance["start_ns"]})

    background = collections.Counter()
    background_rules = collections.Counter()
    latencies = []
    for timestamp, alert in alerts:
        if timestamp is not None:
            event_time = event_seconds(alert["last_event_time"])
            if latency_since is None or event_time >= latency_since:
                latencies.append(timestamp - event_time)
        ids = set(alert.get("evidence", {}).get("audit_ids", []))
        if ids & attack_ids:
            continue
        rule = alert["rule"]
        ours = rule.get("author") == "auditstream"
        level = rule.get("level", "informational")
        background[("ours" if ours else "sigmahq", level)] += 1
        background_rules[(("ours" if ours else "sigmahq"), level, rule.get("title", rule["id"]))] += 1

    injected = sum(e["injected"] for e in per_scenario.values())
    detected = sum(e["detected"] for e in per_scenario.values())
    medium_or_higher = LEVELS[LEVELS.index("medium"):]
    return {
        "alerts": len(alerts),
        "scenarios_injected": injected,
        "scenarios_detected": detected,
        "recall": detected / injected if injected else None,
        "per_scenario": per_scenario,
        "missed": missed[:50],
        "background_ours_medium_plus": sum(n for (who, level), n in background.items()
                                           if who == "ours" and level in medium_or_higher),
        "background_sigmahq_medium_plus": sum(n for (who, level), n in background.items()
                                              if who == "sigmahq" and level in medium_or_higher),
        "background_by_rule": [{"rules": who, "level": level, "title": title, "alerts": n}
                               for (who, level, title), n in background_rules.most_common()],
        "latency_all": {"count": len(latencies), "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                        "max": max(latencies) if latencies else None},
        "latency_scenarios": {"count": len(scenario_latencies), "p50": percentile(scenario_latencies, 50),
                              "p99": percentile(scenario_latencies, 99),
                              "max": max(scenario_latencies) if scenario_latencies else None},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", required=True)
    parser.add_argument("--alerts", required=True)
    parser.add_argument("--ignore-cluster", action="store_true", help="replayed files carry no cluster")
    parser.add_argument("--json", help="also write the result here")
    parser.add_argument("--latency-since-ns", type=int,
                        help="latency only for alerts whose last event is this recent (skips replayed history)")
    args = parser.parse_args()
    since = args.latency_since_ns / 1e9 if args.latency_since_ns else None
    result = score(args.truth, args.alerts, args.ignore_cluster, since)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=1)
    print(f"alerts: {result['alerts']}")
    print(f"recall: {result['scenarios_detected']}/{result['scenarios_injected']}")
    for name, entry in result["per_scenario"].items():
        flag = "" if entry["detected"] == entry["injected"] else "   <-- MISSED"
        print(f"  {name:32s} {entry['detected']}/{entry['injected']}{flag}")
    print(f"background alerts, our rules, medium or higher: {result['background_ours_medium_plus']}")
    print(f"background alerts, SigmaHQ rules, medium or higher: {result['background_sigmahq_medium_plus']}")
    for row in result["background_by_rule"][:12]:
        print(f"  {row['alerts']:8d}  {row['rules']:7s} {row['level']:13s} {row['title']}")
    for label in ("latency_all", "latency_scenarios"):
        latency = result[label]
        if latency["count"]:
            print(f"{label}: n={latency['count']} p50={latency['p50']:.3f}s p99={latency['p99']:.3f}s "
                  f"max={latency['max']:.3f}s")
    return 0 if result["scenarios_detected"] == result["scenarios_injected"] else 1


if __name__ == "__main__":
    sys.exit(main())
