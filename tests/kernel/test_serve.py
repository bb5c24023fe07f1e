"""pvtrace serve: the exporter.  A real Prometheus (Debian's package: a config written here,
scraping 127.0.0.1 every second, its data in a temporary directory, on free ports) scrapes
`pvtrace serve -p PID` on a pvload ping-pong; the counter samples it stored agree with the
kernel's own counters, read from /proc by the test every few milliseconds on the same wall
clock and interpolated at each sample's scrape time (within 2%), and at every scrape the
run-queue histogram's _count equals the switch-ins.  Then both formats (content negotiation,
promtool check metrics), bad requests answered with the right status while the metrics go on,
--max-series folding into `other`, an ended process kept for --grace, bad options.

Needs prometheus and promtool (Debian: prometheus; scripts/deps.sh installs it): a skip
without them, a failure under CI=true.
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from helpers import PVTRACE
from test_attach import kcounters, pingpong_process
from testlib import Skip, check, run, test

PROM_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
               "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
OM_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def need_prometheus():
    """Skip without prometheus and promtool; under CI=true their absence is a failure."""
    if shutil.which("prometheus") and shutil.which("promtool"):
        return
    if os.environ.get("CI") == "true":
        raise AssertionError("prometheus is not installed (scripts/deps.sh installs it)")
    raise Skip("prometheus is not installed")


def promtool_check(text):
    """promtool check metrics accepts @text (without promtool: not checked, but a failure
    under CI=true)."""
    if not shutil.which("promtool"):
        check(os.environ.get("CI") != "true", "promtool is not installed (scripts/deps.sh)")
        return
    p = run(["promtool", "check", "metrics"], input=text.encode())
    check(p.returncode == 0, "promtool check metrics: %s %s" % (p.stdout.decode()[-1500:],
                                                                p.stderr.decode()[-500:]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """pvtrace serve on 127.0.0.1, a port of the kernel's choosing (printed on stderr)."""

    def __init__(self, *args):
        self.p = subprocess.Popen([PVTRACE, "serve", "-l", "127.0.0.1:0", *args],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.err = b""
        end = time.time() + 30
        while time.time() < end and b"serving on port" not in self.err:
            r, _, _ = select.select([self.p.stderr], [], [], 0.2)
            if r:
                chunk = os.read(self.p.stderr.fileno(), 4096)
                if not chunk:
                    break
                self.err += chunk
        m = re.search(rb"serving on port (\d+): http://127\.0\.0\.1:\d+/metrics", self.err)
        if not m:
            self.p.kill()
            self.p.wait()
            raise AssertionError("serve did not start: %r" % self.err)
        self.port = int(m.group(1))
        self.url = "http://127.0.0.1:%d" % self.port

    def get(self, path="/metrics", accept=None, method="GET"):
        """(status, headers, body) of one request."""
        req = urllib.request.Request(self.url + path, method=method)
        if accept:
            req.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def stop(self):
        """SIGTERM: serve ends cleanly, exit 0."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError("serve did not stop on SIGTERM")
        self.err += self.p.stderr.read()
        self.p.stderr.close()
        check(rc == 0, "serve exit %d: %r" % (rc, self.err[-2000:]))


class Prometheus:
    """A Prometheus of our own: 127.0.0.1 only, scraping @target every second, data in a
    temporary directory removed at stop()."""

    def __init__(self, target):
        need_prometheus()
        self.dir = tempfile.mkdtemp(prefix="pvtrace-prom-")
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: pvtrace\n    static_configs:\n"
                    "      - targets: ['%s']\n" % target)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.p = subprocess.Popen(
            ["prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + self.dir + "/data",
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        end = time.time() + 30
        while time.time() < end:
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            check(self.p.poll() is None, "prometheus exited: %s" % self.logs())
            time.sleep(0.1)
        self.stop()
        raise AssertionError("prometheus not ready in 30 s")

    def logs(self):
        self.log.seek(0)
        return self.log.read()[-2000:]

    def query(self, q, at=None):
        args = {"query": q}
        if at is not None:
            args["time"] = "%.3f" % at
        with urllib.request.urlopen(self.url + "/api/v1/query?" + urllib.parse.urlencode(args),
                                    timeout=10) as r:
            out = json.load(r)
        check(out["status"] == "success", "query %s: %s" % (q, out))
        return out["data"]["result"]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def sample_proc(pid, stop, out):
    """Append (wall-clock s, voluntary, involuntary) summed over @pid's threads, every ~5 ms."""
    while not stop.is_set():
        t0 = time.time()
        try:
            k = kcounters(pid)
        except OSError:
            return
        t1 = time.time()
        out.append(((t0 + t1) / 2, sum(v for v, _ in k.values()), sum(i for _, i in k.values())))
        time.sleep(0.005)


def proc_at(samples, t, i):
    """Column @i of the /proc samples interpolated at wall-clock time @t."""
    for a, b in zip(samples, samples[1:]):
        if a[0] <= t <= b[0]:
            return a[i] + (b[i] - a[i]) * (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else a[i]
    raise AssertionError("no /proc sample around %.3f" % t)


def series_by(result, label):
    """{label value: [(time, value)]} of a range query's matrix."""
    return {r["metric"].get(label, ""): [(float(t), float(v)) for t, v in r["values"]]
            for r in result}


@test
def serve_prometheus_counters_agree_with_the_kernels_counters():
    need_prometheus()
    w = pingpong_process()
    sel = '{pid="%d"}' % w.pid
    s = prom = None
    samples, stop = [], threading.Event()
    th = threading.Thread(target=sample_proc, args=(w.pid, stop, samples))
    try:
        s = Serve("-p", str(w.pid))
        th.start()
        prom = Prometheus("127.0.0.1:%d" % s.port)
        t_start = time.time()
        # at least 10 scrapes inside the /proc sampling
        end = time.time() + 40
        while time.time() < end:
            r = prom.query("count_over_time(pvtrace_context_switches_total%s[60s])" %
                           sel.replace("}", ',kind="voluntary"}'))
            if r and float(r[0]["value"][1]) >= 12:
                break
            time.sleep(0.5)
        at = time.time()
        stop.set()
        th.join()
        span = int(at - t_start) + 5
        sw = series_by(prom.query("pvtrace_context_switches_total%s[%ds]" % (sel, span), at),
                       "kind")
        ins = prom.query("pvtrace_switch_ins_total%s[%ds]" % (sel, span), at)
        cnt = prom.query("pvtrace_runqueue_wait_seconds_count%s[%ds]" % (sel, span), at)
        up = prom.query("up")
        tasks = prom.query("pvtrace_tasks%s" % sel, at)
    finally:
        stop.set()
        if th.is_alive():
            th.join()
        if prom:
            prom.stop()
        w.kill()
        w.wait()
        if s:
            s.stop()
    check(up and up[0]["value"][1] == "1", "prometheus scraped serve: %s" % up)
    check({r["metric"]["kind"]: r["value"][1] for r in tasks} == {"thread": "2", "process": "1"},
          "the ping-pong's tasks: %s" % tasks)
    compared = 0
    for kind, col in (("voluntary", 1), ("involuntary", 2)):
        pts = [(t, v) for t, v in sw[kind] if samples[0][0] <= t <= samples[-1][0]]
        check(len(pts) >= 8, "%s: %d samples inside the /proc window" % (kind, len(pts)))
        (ta, va), (tb, vb) = pts[0], pts[-1]
        got = vb - va
        k = proc_at(samples, tb, col) - proc_at(samples, ta, col)
        total = (proc_at(samples, tb, 1) - proc_at(samples, ta, 1) +
                 proc_at(samples, tb, 2) - proc_at(samples, ta, 2))
        check(total > 10000 * (tb - ta), "the pair switches: %.0f in %.1f s" % (total, tb - ta))
        # involuntary switches are few: 2% of all the switches
        check(abs(got - k) <= 0.02 * (k if kind == "voluntary" else total),
              "%s over %.1f s: Prometheus %.0f, kernel %.0f" % (kind, tb - ta, got, k))
        compared += 1
        print("    %s over %.1f s (%d scrapes): Prometheus %.0f, /proc %.0f (%+.3f%%)" %
              (kind, tb - ta, len(pts), got, k, 100.0 * (got - k) / max(k, 1)))
    # the run-queue histogram counts one wait per switch-in, scrape by scrape
    per_ts = {}
    for r in ins:
        for t, v in r["values"]:
            per_ts[t] = per_ts.get(t, 0) + int(v)
    counts = [(t, int(v)) for t, v in cnt[0]["values"]]
    check(len(counts) >= 10, "histogram samples: %d" % len(counts))
    bad = [(t, v, per_ts.get(t)) for t, v in counts if per_ts.get(t) != v]
    check(not bad, "runqueue _count != switch-ins at %d scrapes: %s" % (len(bad), bad[:3]))
    check(compared == 2, "both kinds compared")


def check_formats(s):
    """Both formats from one server, negotiated; promtool accepts the text."""
    st, h, text = s.get()
    check(st == 200 and h["Content-Type"] == TEXT_TYPE, "text: %d %s" % (st, h["Content-Type"]))
    check("# TYPE pvtrace_context_switches_total counter" in text and "# EOF" not in text and
          "# UNIT" not in text, "the text format's TYPE lines")
    promtool_check(text)
    for accept in (PROM_ACCEPT, "application/openmetrics-text"):
        st, h, om = s.get(accept=accept)
        check(st == 200 and h["Content-Type"] == OM_TYPE, "OpenMetrics for %r: %d %s" %
              (accept, st, h["Content-Type"]))
        check(om.endswith("\n# EOF\n") and om.count("# EOF") == 1, "OpenMetrics ends with # EOF")
        types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", om, re.M))
        check(types.get("pvtrace_context_switches") == "counter" and
              types.get("pvtrace_runqueue_wait_seconds") == "histogram" and
              types.get("pvtrace_build") == "info", "families: %s" % types)
        check(not [n for n in types if n.endswith("_total")], "no family named *_total")
        check("# UNIT pvtrace_cpu_seconds seconds" in om, "UNIT lines")
        for name in re.findall(r"^([a-z_:][a-z0-9_:]*)[{ ]", om, re.M):
            fam = [f for f in types if name == f or name.startswith(f + "_")]
            check(fam, "sample %s of no family" % name)
            t = types[max(fam, key=len)]
            if t == "counter":
                check(name.endswith("_total"), "counter sample %s" % name)
            if t == "info":
                check(name.endswith("_info"), "info sample %s" % name)
    return text


def raw_request(port, data):
    """The status line of a raw request."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(data)
        buf = b""
        while b"\r\n" not in buf:
            chunk = c.recv(4096)
            if not chunk:
                break
            buf += chunk
    return buf.split(b"\r\n")[0].decode()


def counter(text, name, labels):
    m = re.search(r"^%s\{%s\} (\S+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    check(m, "no %s{%s}" % (name, labels))
    return float(m.group(1))


@test
def serve_formats_and_bad_requests():
    w = pingpong_process()
    s = Serve("-p", str(w.pid))
    try:
        text = check_formats(s)
        lab = 'pid="%d",comm="pvload",cgroup="%s",kind="voluntary"'
        cg = re.search(r'pvtrace_context_switches_total\{pid="%d",comm="pvload",cgroup="([^"]*)"'
                       % w.pid, text)
        check(cg, "the ping-pong's series: %s" % text[:1000])
        lab = lab % (w.pid, cg.group(1))
        before = counter(text, "pvtrace_context_switches_total", lab)
        st, h, body = s.get("/nope")
        check(st == 404, "unknown path: %d" % st)
        st, h, body = s.get("/metrics", method="POST")
        check(st == 405 and h["Allow"] == "GET, HEAD", "POST: %d %s" % (st, h["Allow"]))
        st, h, body = s.get("/metrics", method="DELETE")
        check(st == 405, "DELETE: %d" % st)
        st, h, body = s.get("/metrics", method="HEAD")
        check(st == 200 and body == "" and h["Content-Type"] == TEXT_TYPE, "HEAD: %d" % st)
        st, h, body = s.get("/healthz")
        check(st == 200 and body == "ok\n", "healthz: %d %r" % (st, body))
        big = raw_request(s.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 +
                          b"\r\n\r\n")
        check(big.startswith("HTTP/1.1 431"), "huge header: %r" % big)
        # not HTTP: libmicrohttpd answers 400 or closes the connection
        bad = raw_request(s.port, b"NONSENSE\r\n\r\n")
        check(bad == "" or bad.startswith("HTTP/1.1 400"), "not HTTP: %r" % bad)
        # still serving, and counting
        time.sleep(0.3)
        st, h, text = s.get()
        check(st == 200, "metrics after the bad requests: %d" % st)
        after = counter(text, "pvtrace_context_switches_total", lab)
        check(after > before + 1000, "counting on: %s -> %s" % (before, after))
        check(s.p.poll() is None, "serve still running")
    finally:
        w.kill()
        w.wait()
        s.stop()


@test
def serve_folds_series_beyond_max_series_into_other():
    w = pingpong_process()
    s = Serve("-p", str(w.pid), "--by", "thread", "--max-series", "2")
    try:
        time.sleep(0.3)
        st, h, text = s.get()
    finally:
        w.kill()
        w.wait()
        s.stop()
    check(st == 200, "status %d" % st)
    tids = set(re.findall(r'^pvtrace_context_switches_total\{pid="\d+",tid="(\d+)"', text, re.M))
    check(len(tids) == 2, "two threads exported one by one: %s" % tids)
    other = counter(text, "pvtrace_context_switches_total",
                    'pid="other",tid="other",comm="other",cgroup="other",kind="voluntary"')
    check(other >= 0, "other")
    check(re.search(r"^pvtrace_series 2$", text, re.M), "pvtrace_series 2")
    check(re.search(r"^pvtrace_series_overflow_total 1$", text, re.M), "one series folded")
    check(re.search(r'^pvtrace_tasks\{pid="other",tid="other",comm="other",cgroup="other",'
                    r'kind="(thread|process)"\} 1$', text, re.M), "the folded thread's task")


@test
def serve_keeps_an_ended_process_for_the_grace_period():
    sh = subprocess.Popen(["sh", "-c", "i=0; while [ $i -lt 60 ]; do sleep 0.02; i=$((i+1)); done"])
    s = Serve("-p", str(sh.pid), "--grace", "1.5")
    try:
        time.sleep(0.2)
        st, h, first = s.get()
        sh.wait()
        time.sleep(0.3)
        st2, h, ended = s.get()
        time.sleep(2.5)
        st3, h, later = s.get()
    finally:
        if sh.poll() is None:
            sh.kill()
            sh.wait()
        s.stop()
    lab = (r'pvtrace_context_switches_total\{pid="%d",comm="sh",cgroup="[^"]*",'
           r'kind="voluntary"\} (\d+)')
    a = re.search(lab % sh.pid, first)
    b = re.search(lab % sh.pid, ended)
    check(a and b, "the sh's series, alive then ended")
    check(int(b.group(1)) >= int(a.group(1)) + 5, "it counted on until its end: %s -> %s" %
          (a.group(1), b.group(1)))
    check(re.search(r'^pvtrace_tasks\{pid="%d",comm="sh",cgroup="[^"]*",kind="process"\} 0$' %
                    sh.pid, ended, re.M), "no task alive")
    check(not re.search(lab % sh.pid, later), "gone after --grace")
    # its sleeps' creations were counted for it
    c = re.search(r'^pvtrace_task_creations_total\{pid="%d",comm="sh",cgroup="[^"]*",'
                  r'how="process"\} (\d+)$' % sh.pid, ended, re.M)
    check(c and int(c.group(1)) >= 10, "the sleeps it created: %s" % (c and c.group(1)))


@test
def serve_watches_the_whole_machine_with_bpf_stats():
    w = pingpong_process()
    s = Serve("--bpf-stats")
    try:
        time.sleep(0.5)
        st, h, text = s.get()
        st2, h2, health = s.get("/healthz")
    finally:
        w.kill()
        w.wait()
        s.stop()
    check(st == 200 and st2 == 200, "status %d, healthz %d" % (st, st2))
    pids = set(int(x) for x in re.findall(r'^pvtrace_context_switches_total\{pid="(\d+)"', text,
                                          re.M))
    check(w.pid in pids and s.p.pid in pids and len(pids) > 5, "the machine's processes: %d" %
          len(pids))
    tracked = re.search(r"^pvtrace_tracked_tasks (\d+)$", text, re.M)
    check(tracked and int(tracked.group(1)) > 20, "tracked tasks: %s" % tracked)
    runs = re.findall(r'^pvtrace_bpf_runs_total\{program="(\w+)"\} (\d+)$', text, re.M)
    check(dict(runs).get("pvt_sched_switch", "0") != "0", "BPF programs' runs: %s" % runs)
    ns = re.search(r'^pvtrace_bpf_run_time_seconds_total\{program="pvt_sched_switch"\} (\S+)$',
                   text, re.M)
    check(ns and float(ns.group(1)) > 0, "run time: %s" % ns)
    check(re.search(r'^pvtrace_lost_events_total\{reason="ring_buffer_full"\} 0$', text, re.M),
          "no event lost")
    promtool_check(text)


@test
def serve_refuses_bad_options_with_one_line():
    for args, what in ((["-l", "1.2.3:80"], "--listen"), (["-l", "127.0.0.1:70000"], "--listen"),
                       (["--by", "x"], "--by"), (["--max-series", "0"], "--max-series"),
                       (["-p", "1", "--cgroup", "/"], "cannot be combined"),
                       (["--all", "-p", "1"], "cannot be combined"),
                       (["--grace", "-1"], "--grace"), (["x"], "unexpected")):
        p = run([PVTRACE, "serve", *args])
        err = p.stderr.decode()
        check(p.returncode == 2 and what in err and err.startswith("pvtrace serve:"),
              "%s: %d %r" % (args, p.returncode, err))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        p = run([PVTRACE, "serve", "-p", str(os.getpid()), "-l", "127.0.0.1:%d" % port], timeout=60)
    err = p.stderr.decode()
    check(p.returncode == 1 and
          "cannot listen on 127.0.0.1:%d: Address already in use" % port in err
          and err.count("\n") == 1, "port in use: %d %r" % (p.returncode, err))
