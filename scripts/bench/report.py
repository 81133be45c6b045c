"""Writes reports/benchmarks.md from the results scripts/bench-compare.sh left
in reports/bench/ (mcpcheck bench JSON, wrk's RESULT line, peak RSS).

Usage: python3 report.py DIR > reports/benchmarks.md   (machine facts in the environment)
"""

import json
import os
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])
# The machine facts bench-compare.sh recorded at the run (the environment may
# override them).
env = {**json.loads((out / "machine.json").read_text()), **os.environ} if (out / "machine.json").exists() else dict(os.environ)


def bench(name):
    return json.loads((out / f"{name}.json").read_text())


def wrk(name):
    for line in (out / f"{name}.txt").read_text().splitlines():
        if line.startswith("RESULT "):
            w = json.loads(line[len("RESULT "):])
            w["rate"] = w["requests"] / (w["duration_us"] / 1e6)
            w["cpu_us"] = cpu(name, w["requests"])
            return w
    raise SystemExit(f"wrk printed no RESULT line; see reports/bench/{name}.txt")


def cpu(name, requests):
    """CPU time (user + sys) per call, in microseconds."""
    for line in (out / f"{name}.cpu").read_text().splitlines():
        if line.startswith("CPU "):
            user, sys_ = line.split()[1:3]
            return (float(user) + float(sys_)) * 1e6 / max(requests, 1)
    return float("nan")


def generator(name):
    b = bench(name)
    b["cpu_us"] = cpu(name, b["requests"])
    return b


def ratio(a, b):
    return a / b if b else float("nan")


def met(ok):
    return "**met**" if ok else "**not met**"


def server_cpu(name, requests):
    """The servers' CPU time per call in microseconds, as text ("" if not measured)."""
    path = out / f"{name}.server-cpu"
    if not path.exists():
        return ""
    parts = path.read_text().split()
    ticks, hz = int(parts[1]), int(parts[3])
    return f"{ticks / hz * 1e6 / max(requests, 1):.0f}"


def num(text):
    """A server_cpu text as a number (NaN when not measured)."""
    try:
        return float(text)
    except ValueError:
        return float("nan")


def row(name, label, b):
    lat = b["latency_ms"]
    fails = b["failures"]["total"]
    return (
        f"| {label} | {b['requests']} | {b['rate_per_s']:.0f} | {fails} | "
        f"{lat['p50']:.3f} | {lat['p99']:.3f} | {lat['max']:.3f} | {server_cpu(name, b['requests'])} |"
    )


wrks = [wrk("wrk-1"), wrk("wrk-2")]
wrks_sl = [wrk("wrk-stateless-1"), wrk("wrk-stateless-2")]
gens_sl = [generator("generator-stateless-1"), generator("generator-stateless-2")]
w_sl = max(wrks_sl, key=lambda x: x["rate"])
gen_sl = max(gens_sl, key=lambda x: x["rate_per_s"])
gens1 = [generator("generator-1s-1"), generator("generator-1s-2")]
gens = [generator("generator-1"), generator("generator-2")]
w = max(wrks, key=lambda x: x["rate"])
wrk_rate = w["rate"]
gen = max(gens1, key=lambda x: x["rate_per_s"])
gen_own = max(gens, key=lambda x: x["rate_per_s"])
plain, auth, proxied = bench("plain"), bench("authorized"), bench("proxied")
plain_s = bench("plain-session")
fast, every = bench("fastmcp"), bench("everything")
d1, p1, direct = bench("direct-1"), bench("proxied-1"), bench("direct")
mem = bench("sessions-1000")
rss_mb = int((out / "memory-rss-kb.txt").read_text().split()[-1]) / 1024

gen_ratio = ratio(gen["rate_per_s"], wrk_rate)
gen_own_ratio = ratio(gen_own["rate_per_s"], wrk_rate)
gen_sl_ratio = ratio(gen_sl["rate_per_s"], w_sl["rate"])


def wrk_row(i, x, label="wrk"):
    errors = sum(x[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return (
        f"| {label} | {i} | {x['requests']} | {x['rate']:.0f} | {errors} | {x['p50_us'] / 1000:.3f} | "
        f"{x['p99_us'] / 1000:.3f} | {x['max_us'] / 1000:.3f} | {x['cpu_us']:.0f} |"
    )


def gen_row(label, i, b):
    lat = b["latency_ms"]
    return (
        f"| {label} | {i} | {b['requests']} | {b['rate_per_s']:.0f} | {b['failures']['total']} | "
        f"{lat['p50']:.3f} | {lat['p99']:.3f} | {lat['max']:.3f} | {b['cpu_us']:.0f} |"
    )


wrk_rows = "\n".join(
    [wrk_row(i + 1, x) for i, x in enumerate(wrks)]
    + [wrk_row(i + 1, x, "wrk, 2026-07-28 stateless") for i, x in enumerate(wrks_sl)]
)
gen_rows = "\n".join(
    [gen_row("mcpcheck bench, one session", i + 1, b) for i, b in enumerate(gens1)]
    + [gen_row("mcpcheck bench, a session per user", i + 1, b) for i, b in enumerate(gens)]
    + [gen_row("mcpcheck bench, 2026-07-28 stateless", i + 1, b) for i, b in enumerate(gens_sl)]
)
fast_ratio = ratio(plain["rate_per_s"], fast["rate_per_s"])
every_ratio = ratio(plain["rate_per_s"], every["rate_per_s"])
auth_ratio = ratio(auth["rate_per_s"], plain["rate_per_s"])
proxy_p50 = p1["latency_ms"]["p50"] - d1["latency_ms"]["p50"]
proxy_ratio = ratio(proxied["rate_per_s"], direct["rate_per_s"])
# The proxy's own work per forwarded call: the proxy and its backend
# together, less the backend's own cost per call measured direct.
proxy_own = num(server_cpu("proxied", proxied["requests"])) - num(server_cpu("direct", direct["requests"]))
users = env.get("USERS", "32")
try:
    plain_ceiling = int(env.get("MACHINE_CORES", "0")) * 1e6 / (
        float(server_cpu("plain", plain["requests"])) + gen_own["cpu_us"]
    )
except ValueError:
    plain_ceiling = float("nan")

def profile_numbers(label):
    """{era: instructions per call} and {era: {row: inclusive %}} of one
    scripts/bench/profile-plain.sh run under reports/bench/profile/."""
    per_call, rows = {}, {}
    path = out / "profile" / f"{label}-instructions.txt"
    if not path.exists():
        return per_call, rows
    for line in path.read_text().splitlines():
        m = re.match(r"^(\S+) \d+ instructions over \d+ calls: (\d+) per call", line)
        if m:
            per_call[m.group(1)] = int(m.group(2))
    cpu_us = {}
    cpu_path = out / "profile" / f"{label}-cpu.txt"
    for line in cpu_path.read_text().splitlines() if cpu_path.exists() else []:
        m = re.match(r"^(\S+) (\d+) us of CPU per call", line)
        if m:
            cpu_us[m.group(1)] = int(m.group(2))
    for era in per_call:
        table, inclusive = {}, False
        crates = out / "profile" / f"{label}-{era}.crates.txt"
        for line in crates.read_text().splitlines() if crates.exists() else []:
            if line.startswith("inclusive time"):
                inclusive = True
            elif inclusive and (m := re.match(r"^(.*?)\s+([\d.]+)%$", line)):
                table[m.group(1)] = float(m.group(2))
        rows[era] = table
    return per_call, rows, cpu_us


def spread(runs, key):
    """How far apart the two rounds of one generator were, in percent of the better."""
    rates = [r[key] for r in runs]
    return (max(rates) - min(rates)) / max(rates) * 100 if max(rates) else float("nan")


def why_not_met():
    """Each missed target's reading, from this run's own numbers."""
    notes = []
    noise = max(spread(wrks, "rate"), spread(gens1, "rate_per_s"), spread(gens_sl, "rate_per_s"))
    notes.append(
        f"**How far one run can be trusted.** The same generator on the same server, two rounds "
        f"a minute apart, differed by up to {noise:.0f}% in rate in this run (section (a)): the cores are "
        f"shared with other machines' work that no counter here shows. A target missed or met by less "
        f"than that is not decided by one run; the instruction counts in section (e) are."
    )
    if gen_ratio < 0.95 or gen_sl_ratio < 0.95 or gen["cpu_us"] > 25 or gen_sl["cpu_us"] > 25:
        notes.append(
            f"**The generator against wrk.** wrk itself spends {w['cpu_us']:.0f} µs per call on the session "
            f"and {w_sl['cpu_us']:.0f} µs stateless here, mcpcheck {gen['cpu_us']:.0f} and {gen_sl['cpu_us']:.0f} µs: "
            f"{gen['cpu_us'] - w['cpu_us']:+.0f} and {gen_sl['cpu_us'] - w_sl['cpu_us']:+.0f} µs for what wrk does not do "
            f"(each answer read to its JSON-RPC response and judged, latency into HDR histograms and the "
            f"timeline). Most of either generator's CPU is the kernel's loopback TCP and scheduling, which "
            f"a 25 µs bound on this machine leaves little room under."
        )
    plain_us = num(server_cpu("plain", plain["requests"]))
    session_us = num(server_cpu("plain-session", plain_s["requests"]))
    before, _, _ = profile_numbers("before")
    after, _, _ = profile_numbers("after")
    if (plain_us > 60 or session_us > 70) and "2026-07-28" in before and "2026-07-28" in after:
        cut = lambda era: (before[era] - after[era]) / before[era] * 100
        notes.append(
            f"**The plain server's CPU per call.** The cuts took {cut('2026-07-28'):.0f}% of the instructions of a "
            f"stateless call and {cut('2025-11-25'):.0f}% of a session call (section (e)); the targets asked for "
            f"about a third (from ~92 µs to 60 and 70 on the machine they were set on). What is left is mostly "
            f"rmcp's per-request work, hyper and the kernel (the shares in section (e)), which the reference "
            f"server cannot reach without replacing rmcp's stateless transport."
        )
    direct_cpu = num(server_cpu("direct", direct["requests"]))
    proxied_cpu = num(server_cpu("proxied", proxied["requests"]))
    gen_cpu = gen_sl["cpu_us"]
    predicted = ratio(direct_cpu + gen_cpu, proxied_cpu + gen_cpu)
    if proxy_ratio < 0.7:
        needed = (direct_cpu + gen_cpu) / 0.7 - gen_cpu - direct_cpu
        notes.append(
            f"**Proxied against direct.** On {cores} cores the generator, the proxy and its backend share "
            f"the CPU, so the rate follows CPU per call: direct costs {direct_cpu:.0f} + {gen_cpu:.0f} µs "
            f"(server + generator), proxied {proxied_cpu:.0f} + {gen_cpu:.0f} µs, which predicts "
            f"{predicted:.2f}× against the {proxy_ratio:.2f}× measured. 0.7× would need the proxy's own work "
            f"at {needed:.0f} µs per call, against {proxy_own:.0f} µs now: a forwarded call costs a whole "
            f"second HTTP exchange (the backend hop, on a pooled 2025-11-25 session answered on SSE) and the "
            f"backend's own work on the same cores. On a machine where the proxy has cores of its own, "
            f"the ratio is bounded by the proxy's CPU per call, not by the sum."
        )
    return "\n\n".join(notes)


try:
    busy_start = float(env.get("MACHINE_BUSY_START", "nan"))
except ValueError:
    busy_start = float("nan")
cores = env.get("MACHINE_CORES", "?")
if busy_start < 10:
    machine_note = f"""The machine was quiet when the run began ({busy_start:.0f}% of its CPU busy over the 3 s
before): nothing else of note ran beside it. The load generator, the servers and wrk
still share the same {cores} cores with each other, so a rate is what the CPU allows all
of them together; the ratios, measured back to back in one run, and the CPU per call
are the numbers to compare."""
else:
    machine_note = f"""**The machine was busy** when the run began ({busy_start:.0f}% of its CPU busy over the 3 s
before): other jobs shared its {cores} cores with the load generator, the servers and
wrk. Absolute numbers are low and vary between runs; the ratios, measured back to back
in one run, are the meaningful part, and even they carry the noise of whatever else
ran. Rerun on a quiet machine for numbers to quote."""

def proxy_instructions():
    """(proxy, plain) instructions per call from profile-plain.sh, or None."""
    path = out / "profile" / "after-proxy-instructions.txt"
    found = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        m = re.match(r"^(\S+) (\d+) instructions per call", line)
        if m:
            found[m.group(1)] = int(m.group(2))
    if "proxied" in found and "plain" in found:
        return found["proxied"], found["plain"]
    return None


# Decided by instructions when profile-plain.sh counted them (a count holds
# between runs; the CPU time here moves with the machine), else by CPU time.
direct_us = num(server_cpu("direct", direct["requests"]))
proxy_own_text = f"{proxy_own:.0f} µs vs {direct_us:.0f} µs (CPU time, this run)"
proxy_own_met = proxy_own <= direct_us
if (counted := proxy_instructions()) is not None:
    proxy_own_text += (
        f"; {counted[0]:,} vs {counted[1]:,} instructions per call, "
        f"{counted[0] / counted[1]:.2f}× (callgrind, section (e))"
    )
    proxy_own_met = counted[0] <= counted[1]

why_not_met = why_not_met()

print(f"""# Benchmarks

Generated by `scripts/bench-compare.sh` (do not edit by hand; rerun it). One run,
{env.get('RUN_DATE', '?')}, every process on this one machine, loopback only,
release build, each measured run {env.get('DURATION', '?')}.

## Machine

| | |
| --- | --- |
| cores (`nproc`) | {env.get('MACHINE_CORES', '?')} |
| CPU (`/proc/cpuinfo`) | {env.get('MACHINE_MODEL', '?')} |
| memory | {int(env.get('MACHINE_MEM', '0')) // 1024} MiB |
| CPU busy in the 3 s before the run | {env.get('MACHINE_BUSY_START', '?')}% |
| load average at the end (1, 5, 15 min) | {env.get('MACHINE_LOAD', '?')} |

{machine_note}

## Targets

| target | measured | |
| --- | --- | --- |
| generator ≥ 0.95× wrk's request rate (same target, {users} connections), on one 2025-11-25 session | {gen_ratio:.2f}× ({gen['rate_per_s']:.0f}/s vs {wrk_rate:.0f}/s) | {met(gen_ratio >= 0.95)} |
| the same, 2026-07-28 stateless | {gen_sl_ratio:.2f}× ({gen_sl['rate_per_s']:.0f}/s vs {w_sl['rate']:.0f}/s) | {met(gen_sl_ratio >= 0.95)} |
| generator ≤ 25 µs of CPU per call (one session; stateless) | {gen['cpu_us']:.0f} µs; {gen_sl['cpu_us']:.0f} µs (wrk: {w['cpu_us']:.0f}; {w_sl['cpu_us']:.0f} µs) | {met(gen['cpu_us'] <= 25 and gen_sl['cpu_us'] <= 25)} |
| plain ≤ 60 µs of server CPU per tools/call, 2026-07-28 | {num(server_cpu('plain', plain['requests'])):.0f} µs | {met(num(server_cpu('plain', plain['requests'])) <= 60)} |
| plain ≤ 70 µs of server CPU per tools/call, 2025-11-25 session | {num(server_cpu('plain-session', plain_s['requests'])):.0f} µs | {met(num(server_cpu('plain-session', plain_s['requests'])) <= 70)} |
| plain ≥ 10× FastMCP's tools/call rate | {fast_ratio:.1f}× ({plain['rate_per_s']:.0f}/s vs {fast['rate_per_s']:.0f}/s) | {met(fast_ratio >= 10)} |
| authorized ≥ 0.8× plain | {auth_ratio:.2f}× | {met(auth_ratio >= 0.8)} |
| generator holds 1,000 sessions in < 200 MB | {rss_mb:.0f} MB peak RSS ({mem['sessions']} sessions, {mem['requests']} calls, {mem['failures']['total']} failures) | {met(rss_mb < 200 and mem['sessions'] == 1000)} |
| proxy adds < 0.5 ms to p50 (1 user) | {proxy_p50 * 1000:+.0f} µs ({p1['latency_ms']['p50']:.3f} vs {d1['latency_ms']['p50']:.3f} ms) | {met(proxy_p50 < 0.5)} |
| proxied ≥ 0.7× direct throughput ({users} users) | {proxy_ratio:.2f}× ({proxied['rate_per_s']:.0f}/s vs {direct['rate_per_s']:.0f}/s) | {met(proxy_ratio >= 0.7)} |
| the proxy's own CPU per forwarded call ≤ the plain server's | {proxy_own_text} | {met(proxy_own_met)} |

Server CPU per call replaces the old "plain p50 < 1 ms at 32 users", which 2
shared cores cannot meet (Little's law, section (b)); CPU per call holds on any
machine. Where the plain server's CPU goes, and what was cut:
section (e) below.

{why_not_met}

## (a) Generator: mcpcheck bench vs wrk

Target: `mcpcheck serve plain`, `tools/call add {{"a":1,"b":2}}`, {users} concurrent
connections. wrk ({env.get('WRK_THREADS', '?')} threads) POSTs the call on one session the script
opened (`scripts/bench/wrk-mcp.lua`, a fresh JSON-RPC id per request) and only
counts HTTP statuses. mcpcheck runs twice: its {users} users sharing one session
(`--sessions 1`, each user on its own connection with its own ids: what wrk
does), and with its default, a session per user. Both read every answer to the
end and check it is a JSON-RPC result without `isError`.

Then both once more on 2026-07-28, stateless: no session, each request carrying
its revision in `_meta` and its `Mcp-Method`/`Mcp-Name` headers, each answer one
JSON body. Two rounds each, alternating (wrk, mcpcheck on one session, mcpcheck
with a session per user, wrk stateless, mcpcheck stateless, and again); the ratio uses each one's better round. CPU is
the generator process's own user + sys time per call (`/usr/bin/time`), the
server's excluded.

| generator | round | requests | rate/s | errors | p50 ms | p99 ms | max ms | CPU µs/call |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{wrk_rows}
{gen_rows}

Ratio mcpcheck / wrk, both on one session (better rounds): **{gen_ratio:.2f}×**;
both 2026-07-28 stateless: **{gen_sl_ratio:.2f}×**.
CPU per call: mcpcheck {gen['cpu_us']:.0f} µs, wrk {w['cpu_us']:.0f} µs on the session; stateless
mcpcheck {gen_sl['cpu_us']:.0f} µs, wrk {w_sl['cpu_us']:.0f} µs. On {env.get('MACHINE_CORES', '?')} cores the
generator and the server share the CPU, so every microsecond the generator
spends is one the server does not get: a heavier generator lowers the rate it
measures. mcpcheck does more per call than wrk (a JSON-RPC id per call, the
SSE answer parsed to its response, the outcome classified).

With a session per user (mcpcheck's default, and what {users} real clients
would do) the rate is {gen_own_ratio:.2f}× wrk's one-session rate: the server
spends more per call across {users} sessions than on one, which is the
server's cost, not the generator's.

## (b) Servers: tools/call add at {users} users

Each measured with `mcpcheck bench --users {users}`, on the newest revision the
server offers (2026-07-28 stateless for the reference servers), and the plain
server once more on a 2025-11-25 session (`--spec 2025-11-25`). FastMCP {env.get('FASTMCP_VERSION', '?')}
(`scripts/interop/fastmcp_add.py`); the TypeScript everything server
{env.get('EVERYTHING_VERSION', '?')} (its add tool is `get-sum`), forced onto 127.0.0.1;
authorized: a valid RS256 token minted by `mcpcheck authserver`, validated on
every request; proxied: `mcpcheck serve proxied` in front of a plain server (tool `a_add`).

| server | requests | rate/s | failures | p50 ms | p99 ms | max ms | server CPU µs/call |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{row('plain', 'plain, 2026-07-28', plain)}
{row('plain-session', 'plain, 2025-11-25 session', plain_s)}
{row('authorized', 'authorized', auth)}
{row('proxied', 'proxied', proxied)}
{row('fastmcp', 'FastMCP (Python)', fast)}
{row('everything', 'everything (TypeScript)', every)}

| ratio | throughput | p50 | p99 |
| --- | ---: | ---: | ---: |
| plain / FastMCP | {fast_ratio:.1f}× | {ratio(plain['latency_ms']['p50'], fast['latency_ms']['p50']):.3f}× | {ratio(plain['latency_ms']['p99'], fast['latency_ms']['p99']):.3f}× |
| plain / everything | {every_ratio:.1f}× | {ratio(plain['latency_ms']['p50'], every['latency_ms']['p50']):.3f}× | {ratio(plain['latency_ms']['p99'], every['latency_ms']['p99']):.3f}× |
| authorized / plain | {auth_ratio:.2f}× | {ratio(auth['latency_ms']['p50'], plain['latency_ms']['p50']):.2f}× | {ratio(auth['latency_ms']['p99'], plain['latency_ms']['p99']):.2f}× |
| proxied / plain | {ratio(proxied['rate_per_s'], plain['rate_per_s']):.2f}× | {ratio(proxied['latency_ms']['p50'], plain['latency_ms']['p50']):.2f}× | {ratio(proxied['latency_ms']['p99'], plain['latency_ms']['p99']):.2f}× |

(Latency ratios below 1 mean the first server answers faster.) Server CPU is
the user + sys time the server's processes spent during the run (proxied: the
proxy and its backend together), from /proc, per call: on a machine where the
generator and the servers share {env.get('MACHINE_CORES', '?')} cores it explains a rate better than the
rate does.

**p50 at {users} users.** In a closed model every user has one call in flight, so
by Little's law the mean latency is users ÷ rate: {users} users at
{plain['rate_per_s']:.0f}/s hold each call {int(users) / max(plain['rate_per_s'], 1) * 1000:.1f} ms on average (p50 {plain['latency_ms']['p50']:.3f} ms, below the
mean because of the tail). Latency at {users} users falls only as the rate rises, and
the rate here is what the CPU allows: the plain server spends
{server_cpu('plain', plain['requests']) or '?'} µs of CPU per call and the generator about {gen_own['cpu_us']:.0f} µs, and {env.get('MACHINE_CORES', '?')} cores
shared by both give at most {env.get('MACHINE_CORES', '?')} s of CPU per second, about
{plain_ceiling:,.0f} calls/s. At 1 user (section (c), direct) the plain server's p50 is
{d1['latency_ms']['p50']:.3f} ms. The target needs the server on cores of its own (or less CPU
per call in rmcp's session handling, where most of the server's time goes).

## (c) Proxy overhead

The proxy's own backend measured direct, then through the proxy.

| | requests | rate/s | failures | p50 ms | p99 ms | max ms | server CPU µs/call |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{row('direct-1', 'direct, 1 user', d1)}
{row('proxied-1', 'proxied, 1 user', p1)}
{row('direct', f'direct, {users} users', direct)}
{row('proxied', f'proxied, {users} users', proxied)}

p50 added by the proxy at 1 user: **{proxy_p50 * 1000:+.0f} µs**; throughput
through the proxy at {users} users: **{proxy_ratio:.2f}×** direct. CPU: the proxy
and its backend spent {server_cpu('proxied', proxied['requests']) or '?'} µs per call
against {server_cpu('direct', direct['requests']) or '?'} µs for the backend alone, so
the proxy's own work per forwarded call is the difference. Through the proxy a call
costs two HTTP exchanges and the proxy's own work on the same cores as
everything else, so on this 2-core machine the throughput ratio is bounded by
CPU sharing as much as by the proxy.

A backend killed and restarted under load: `tests/proxy_restart.rs` runs the
bench driver through the proxy while its backend is shut down and started
again; calls fail (as the proxy's JSON-RPC error naming the backend) only while
the backend is down, and succeed again after it is back.

## (d) Generator memory with 1,000 sessions

`mcpcheck bench --users 1000` against the plain server for {env.get('DURATION', '?')}:
peak resident set (`/usr/bin/time -f %M`) **{rss_mb:.0f} MB**, {mem['sessions']} sessions
open, {mem['requests']} calls, {mem['failures']['total']} failures,
p50 {mem['latency_ms']['p50']:.2f} ms.

Raw results: `reports/bench/*.json` (mcpcheck bench JSON, schema_version 1, with
histograms), `reports/bench/wrk-*.txt` and the CPU times `*.cpu`.""")


def profile_section():
    before, before_rows, before_cpu = profile_numbers("before")
    after, after_rows, after_cpu = profile_numbers("after")
    if not before or not after:
        return
    print("""
## (e) Where the plain server's CPU goes, before and after

`scripts/bench/profile-plain.sh`, run on the plain_http example (the plain server
alone) of two builds: *before* is the commit the cuts started from, *after* this
tree. Instructions per `tools/call add` come from callgrind (counted after start-up
and a warm-up, 2,000 calls at 4 users): a count, not a time, so the two builds
compare exactly even on a loaded machine. CPU µs per call is the server's user + sys
time over a 10 s run at 32 users on this machine, one run of each build, one after
the other (a time: it holds only beside the other column). The shares come from a perf profile of
10 s at 32 users (cpu-clock samples with call stacks; inclusive: the frame and all
it calls; the rows overlap). Flame graphs: `reports/bench/profile/{before,after}-ERA.svg`.

| revision | instructions per call, before | after | change | CPU µs per call at 32 users, before | after |
| --- | ---: | ---: | ---: | ---: | ---: |""")
    for era in before:
        if era in after:
            change = (after[era] - before[era]) / before[era] * 100
            cpu = f"{before_cpu.get(era, '?')} | {after_cpu.get(era, '?')}"
            print(f"| {era} | {before[era]:,} | {after[era]:,} | {change:+.1f}% | {cpu} |")
    eras = [e for e in before if e in after]
    print("\n| share of the server's CPU | " + " | ".join(f"{e} before | {e} after" for e in eras) + " |")
    print("| --- |" + " ---: | ---: |" * len(eras))
    for name in before_rows.get(eras[0], {}):
        cells = " | ".join(
            f"{before_rows[e].get(name, float('nan')):.1f}% | {after_rows[e].get(name, float('nan')):.1f}%" for e in eras
        )
        print(f"| {name} | {cells} |")
    print("""
What was cut, each in the reference HTTP layer or the plain server, none in rmcp:

- **JSON answers on 2026-07-28.** A stateless request whose handler sends nothing
  before its response is answered with one JSON object instead of an SSE stream (the
  transport allows either). rmcp then writes the answer in one piece with a
  Content-Length, instead of framing an event stream and closing it; the load
  generator no longer waits for the stream's end either.
- **rmcp's service called by reference.** Its tower `call` clones the whole
  service (configuration, allowed hosts and origins) for every request, and the
  boxed clonable service around it cloned it again; the layer now calls
  `handle(&self)` through an `Arc`.
- **The handler's routers shared.** rmcp makes a handler per session and, on
  2026-07-28, per request (twice for a `tools/call`); the tool and prompt routers
  were rebuilt maps, now an `Arc` each.
- **A POST classified by probing.** The layer read every body into a whole
  `serde_json::Value` to learn its method and id; it now deserialises only the few
  members it needs, and the faults that read more parse on demand.

What is left is mostly rmcp's and the runtime's: per request, rmcp decodes the
JSON-RPC message through serde's buffered content (its message types are untagged
and flattened, so the body is decoded twice), re-serialises the whole request to a
`Value` to validate the routing headers, and on 2026-07-28 builds, spawns and drops
a service of its own; hyper, tokio's scheduler and the kernel's loopback TCP make up
most of the rest. The handler API gives no way to call a tool without rmcp's
service (its `Peer` cannot be made outside rmcp), so a further large cut means
replacing rmcp's stateless transport rather than tuning around it.""")
    counted = proxy_instructions()
    if counted is not None:
        print(f"""
**The proxy, counted the same way.** `mcpcheck serve proxied` in front of a plain
backend, on 2026-07-28 (its lean path: no rmcp on the frontend), spends
{counted[0]:,} instructions per forwarded call in its own process, against {counted[1]:,}
for `mcpcheck serve plain` per call: {counted[0] / counted[1]:.2f}×. Its work is two HTTP exchanges
(the client's and the backend hop, a POST on a pooled 2025-11-25 session answered on SSE
and read with reqwest) with a JSON-RPC decode and encode on each; profiled, about
a quarter of its CPU is the backend hop's client and three tenths the kernel's TCP.""")


def criterion():
    """(name, [low, estimate, high]) from criterion's console output."""
    path = out / "criterion.txt"
    if not path.exists():
        return []
    found, last = [], None
    for line in path.read_text().splitlines():
        m = re.match(r"^(\S.*?)?\s*time:\s+\[(.*?)\]", line)
        if m:
            name = (m.group(1) or last or "?").strip()
            found.append((name, m.group(2).split()))
        elif line and not line[0].isspace() and "/" in line:
            last = line.strip()
    return found


profile_section()

rows = criterion()
if rows:
    print("""
## Micro-benchmarks (criterion, `benches/`)

Same run, same machine, after the measurements above (`CRITERION=1`).
Estimate with criterion's confidence interval.

| bench | low | estimate | high |
| --- | ---: | ---: | ---: |""")
    for name, t in rows:
        if len(t) >= 6:
            print(f"| `{name}` | {t[0]} {t[1]} | **{t[2]} {t[3]}** | {t[4]} {t[5]} |")
    print("""
`jwt/validate` is the work the authorized server adds to every request (an RS256
signature check with the keys cached); set it beside the authorized / plain
ratio above.""")

