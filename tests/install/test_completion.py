"""Shell completion: completion/pvtrace.bash (bash) and completion/_pvtrace (zsh), from the
source tree, in real shells.

The scripts write the subcommands, options and values out (not read from --help at
completion time), so these tests hold them to --help: each subcommand's options completed
equal those its `pvtrace CMD --help` lists, both ways, and those of its getopt table
(user/cmd_*.c; pvbench's for bench); each option's values are the choices its --help
lists, and an option --help gives a FILE, PID, cgroup PATH, USER or CPU completes files,
running pids, cgroup directories, users or CPUs, and any other completes nothing.

bash: non-interactively, with bash-completion's main script loaded (as in a user's shell)
and without it, the completion function called on COMP_WORDS as bash splits a line
("--opt=VALUE" is three words); interactively in tmux, Tab on a typed line, the script
loaded lazily by bash-completion or sourced.  zsh: `zsh -n`, then in tmux with compinit,
the matches each Tab adds (compadd wrapped) and what Tab does to the line.

Needs the build (./pvtrace, pvbench), bash-completion, tmux and zsh (scripts/deps.sh);
not root (as root, --help is also run as nobody, and a cgroup is made to complete).
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import testlib  # noqa: E402
from testlib import Skip, check, test  # noqa: E402
from tmux import Screen, need_tmux  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PVTRACE = os.path.join(ROOT, "pvtrace")
BASH_SCRIPT = os.path.join(ROOT, "completion", "pvtrace.bash")
ZSH_SCRIPT = os.path.join(ROOT, "completion", "_pvtrace")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
SEP = "\x1e"
# compopt outside a completion run by readline (the function called directly) says so
COMPOPT_NOTE = "compopt: not currently executing completion function"


def need(what):
    if what == "build":
        if not os.access(PVTRACE, os.X_OK) or not os.access(
                os.path.join(ROOT, ".output", "pvbench"), os.X_OK):
            raise Skip("not built: run make all tools")
    elif what == "bash-completion":
        if not os.path.exists(BASH_COMPLETION):
            raise Skip("bash-completion is not installed (scripts/deps.sh installs it)")
    elif not shutil.which(what):
        raise Skip("%s is not installed (scripts/deps.sh installs it)" % what)


# ---- what --help says ----

_HELP = {}


def help_text(cmd):
    """`pvtrace CMD --help` (CMD None: `pvtrace --help`), as nobody when root: it must
    work without privileges."""
    if cmd not in _HELP:
        argv = [PVTRACE] + ([cmd] if cmd else []) + ["--help"]
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        p = subprocess.run(argv, capture_output=True, timeout=30, cwd="/")
        check(p.returncode == 0 and p.stdout.startswith(b"usage: "),
              "%s: exit %d, stderr %r" % (" ".join(argv), p.returncode, p.stderr[-300:]))
        _HELP[cmd] = p.stdout.decode()
    return _HELP[cmd]


def subcommands():
    text = help_text(None)
    block = text.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [l.split()[0] for l in block.splitlines() if l.strip()]


OPT = r"--?[A-Za-z][\w-]*"


META = r"[A-Z](?:[\w.:]|\[[^\]]*\]|,(?=[A-Z]))*|\w+(?:\|\w+)+"  # FILE, PID[,...], A,B, a|b


def help_groups(cmd):
    """The option lines of `pvtrace CMD --help`: [(names, metavar or None, optional,
    paragraph)], names the synonyms (-o, --output), optional for --opt[=VALUE].  An option
    line starts with 2 to 6 blanks and a dash: options, each perhaps with its metavar,
    separated by ", ", then the text; its paragraph is that line and the deeper-indented
    ones after it.  "every option of 'pvtrace X' but A and B" brings X's, less those."""
    out = []
    lines = help_text(cmd).splitlines()
    for n, line in enumerate(lines):
        m = re.search(r"every option of 'pvtrace (\w+)' but (.*)", line)
        if m:
            but = set(re.findall(OPT, m.group(2)))
            out += [g for g in help_groups(m.group(1)) if not set(g[0]) & but]
            continue
        if not re.match(r"^ {2,6}-", line):
            continue
        para = [line]
        for nxt in lines[n + 1:]:
            if not re.match(r"^ {7,}\S", nxt):
                break
            para.append(nxt)
        para = " ".join(l.strip() for l in para)
        pos, names = len(line) - len(line.lstrip()), []
        while True:
            m = re.compile(r"(%s)(?:\[=([^\]]+)\]| (%s))?" % (OPT, META)).match(line, pos)
            check(m, "%s --help: cannot read the options of %r" % (cmd, line))
            names.append(m.group(1))
            meta = m.group(2) or m.group(3)
            # a short name alone, then its long synonym (-o, --output FILE)
            if meta or not re.match(r"^-\w$", m.group(1)):
                out.append((tuple(names), meta, bool(m.group(2)), para))
                names = []
            pos = m.end()
            if not re.compile(r",\s*-").match(line, pos):
                break
            pos = line.index("-", pos)
        check(not names, "%s --help: %r ends with a short option alone" % (cmd, line))
    return out


def help_options(cmd):
    return {n for g in help_groups(cmd) for n in g[0]}


def help_takes_value(cmd, optional=False):
    """The options with a value: in the next word or after "=" (optional: only after "=",
    --opt[=VALUE])."""
    return {n for names, meta, opt, _ in help_groups(cmd) if meta and opt == optional
            for n in names}


def help_choices(names, meta, para):
    """The values --help lists for an option, or None: "--by process|cgroup", "text
    (default) or json", "bursts (default: ...), always, or never", "largest first: pid,
    comm, ...", and a table of names under it (bench's --suite)."""
    if meta and "|" in meta:
        return set(meta.split("|"))
    m = re.search(r"\b(\w+) \(default[^)]*\),? (?:(\w+), )?or (\w+)\b", para)
    if m:
        return {x for x in m.groups() if x}
    m = re.search(r"largest first: ([\w, -]+?)\s*\(default", para)
    if m:
        return set(m.group(1).split(", "))
    return None


def help_table(cmd, opt):
    """The names of the table under option OPT's line (bench's --suite)."""
    lines = help_text(cmd).splitlines()
    start = next(n for n, l in enumerate(lines) if re.match(r"^ {2,6}-.*%s\b" % opt, l))
    names = []
    for l in lines[start + 1:]:
        m = re.match(r"^ {7,}(\w+) {2,}", l)
        if not re.match(r"^ {7,}\S", l):
            break
        if m:
            names.append(m.group(1))
    return set(names)


def help_values(cmd):
    """{option name: what its value completes to}: a set of choices, or one of "file",
    "pid", "cgroup", "user", "cpu"; None for an option that takes no value or one not
    to complete (a number, a duration, an address, text).  An option --help lists in
    short, its value not described ("--syscall-costs WHEN, ... as for 'pvtrace run'"),
    has the values of pvtrace run's of that name and metavar."""
    out = {}
    run = {n: (meta, para) for names, meta, _, para in help_groups("run") for n in names}
    for names, meta, _, para in help_groups(cmd):
        kind = None
        if meta and cmd != "run" and run.get(names[-1], (None,))[0] == meta and \
                help_choices(names, meta, para) is None:
            para = run[names[-1]][1]
        if meta:
            kind = help_choices(names, meta, para)
            if kind is None and "LIST" in meta and "suites" in para:
                kind = help_table(cmd, names[-1])
            elif kind is None:
                kind = {"FILE": "file", "OUT": "file", "PATH": "cgroup", "USER": "user"}.get(
                    meta.split("[")[0])
                if meta.startswith("PID"):
                    kind = "pid"
                elif "--cpu" in names or "--cpus" in names:
                    kind = "cpu"
        for n in names:
            out[n] = kind
    return out


# ---- the getopt tables ----

def source_options(cmd):
    """The options the parser of CMD accepts: its longopts (RUN_LONGOPTS expanded) and
    getopt_long's short letters; bench: its own strcmp()s, then pvbench's table."""
    def table(path):
        src = open(os.path.join(ROOT, path)).read()
        longs, shorts = set(), set()
        m = re.search(r"longopts\[\] = \{(.*?)\n\t\};", src, re.S)
        if m:
            body = m.group(1)
            if "RUN_LONGOPTS" in body:
                hdr = open(os.path.join(ROOT, "user", "cmd_run.h")).read()
                body += re.search(r"#define RUN_LONGOPTS(.*?)\n\n", hdr, re.S).group(1)
            longs = {"--" + x for x in re.findall(r'\{ "([\w-]+)",', body)}
        m = re.search(r'getopt_long\(argc, argv, "([^"]*)"', src)
        if m:
            shorts = {"-" + c for c in re.sub(r"[^A-Za-z]", "", m.group(1))}
        return longs | shorts | set(re.findall(r'strn?cmp\(argv\[i\], "(%s)' % OPT, src))

    if cmd == "bench":
        return table("user/cmd_bench.c") | table("tools/pvbench/main.c")
    return table("user/cmd_%s.c" % cmd)


# ---- bash ----

def comp_words(line):
    """COMP_WORDS, as bash splits LINE for the cursor at its end: at blanks, with "=" and
    ":" words of their own (COMP_WORDBREAKS); a blank at the end starts an empty word."""
    words = []
    for tok in line.split():
        words += [x for x in re.split(r"([=:])", tok) if x]
    if line.endswith(" ") or not words:
        words.append("")
    return words


class Bash:
    """Complete lines non-interactively: bash with bash-completion's main script (or
    without), then the script, then per line the function `complete -p pvtrace` names."""

    def __init__(self, cwd, with_bash_completion=True):
        self.cwd = cwd
        self.pre = [". %s" % BASH_COMPLETION] if with_bash_completion else []
        self.pre += [". %s" % shlex.quote(BASH_SCRIPT),
                     "spec=$(complete -p pvtrace) || exit 3",
                     'fn=${spec#*-F }; fn=${fn%% *}']
        self.env = dict(os.environ, PATH=ROOT + os.pathsep + os.environ.get("PATH", ""),
                        HOME=cwd, LC_ALL="C")
        self.env.pop("BASH_COMPLETION_USER_DIR", None)

    def complete(self, lines):
        """{line: the list of completions}."""
        script = list(self.pre)
        for line in lines:
            w = comp_words(line)
            script.append(
                "COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%s; COMP_POINT=%d; COMPREPLY=()\n"
                '"$fn" pvtrace "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"\n'
                "printf '%%s\\n' \"${COMPREPLY[@]}\"; printf '%s\\n'"
                % (" ".join(shlex.quote(x) for x in w), len(w) - 1, shlex.quote(line),
                   len(line), SEP))
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", "\n".join(script)],
                           capture_output=True, timeout=60, cwd=self.cwd, env=self.env)
        err = [l for l in p.stderr.decode().splitlines() if COMPOPT_NOTE not in l]
        check(p.returncode == 0 and not err, "bash: exit %d, stderr:\n%s"
              % (p.returncode, "\n".join(err)))
        outs = p.stdout.decode().split(SEP + "\n")
        check(len(outs) == len(lines) + 1, "bash: %d answers to %d lines" % (len(outs) - 1,
                                                                              len(lines)))
        return {line: [x for x in out.splitlines() if x] for line, out in zip(lines, outs)}


def cgroup2_mount():
    with open("/proc/mounts") as f:
        for l in f:
            w = l.split()
            if w[2] == "cgroup2":
                return w[1]
    return None


class Fixture:
    """A directory with known files (the cwd of the shells), and as root a cgroup v2
    directory with a child to complete."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="pvt-compl-")
        for f in ("somefile", "pvtrace.data"):
            open(os.path.join(self.dir, f), "w").close()
        os.mkdir(os.path.join(self.dir, "subdir"))
        self.empty = os.path.join(self.dir, "subdir")
        self.mnt = cgroup2_mount()
        self.cg = None
        if self.mnt and os.geteuid() == 0:
            try:
                os.mkdir(os.path.join(self.mnt, "pvt-compl-%d" % os.getpid()))
                self.cg = os.path.join(self.mnt, "pvt-compl-%d" % os.getpid())
                os.mkdir(os.path.join(self.cg, "child"))
            except OSError:
                pass
        return self

    def __exit__(self, *exc):
        if self.cg:
            for d in (os.path.join(self.cg, "child"), self.cg):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def cgroup_dirs(self, d):
        return sorted(os.path.join(d, x) for x in os.listdir(d)
                      if os.path.isdir(os.path.join(d, x)))


def cpus():
    return sorted(p[len("/sys/devices/system/cpu/cpu"):]
                  for p in glob.glob("/sys/devices/system/cpu/cpu[0-9]*"))


def same(got, want, what, names=("completed", "expected")):
    got, want = set(got), set(want)
    check(got == want, "%s: %s but not %s %s; %s but not %s %s"
          % (what, names[0], names[1], sorted(got - want) or "none", names[1], names[0],
             sorted(want - got) or "none"))


def has(got, want, what):
    missing = set(want) - set(got)
    check(not missing, "%s: %s missing from %s" % (what, sorted(missing), sorted(got)[:40]))


def commands():
    return [c for c in subcommands() if c != "help"]


@test
def completion_help_works_without_root():
    need("build")
    cmds = subcommands()
    same(cmds, ["run", "attach", "record", "report", "perfetto", "top", "serve", "bench",
                "calibrate", "help"], "pvtrace --help's commands")
    for c in cmds:
        check(help_text(c).startswith("usage: pvtrace" if c == "help" else
                                      "usage: pvtrace %s" % c), "%s --help" % c)


@test
def completion_help_equals_the_getopt_tables():
    """--help lists what the parsers accept (the completion is held to --help)."""
    need("build")
    for c in commands():
        same(help_options(c), source_options(c), "pvtrace %s" % c,
             ("in --help", "in the getopt table"))


def bash_option_lines():
    lines = ["pvtrace ", "pvtrace -"]
    for c in commands():
        lines += ["pvtrace %s -" % c, "pvtrace %s --" % c]
    return lines


def check_options(got, label):
    """The options completed for each subcommand are those of its --help, both ways."""
    same(got["pvtrace "], subcommands(), label + ": pvtrace <Tab>")
    has(got["pvtrace -"], ["-v", "--version", "-h", "--help"], label + ": pvtrace -<Tab>")
    for c in commands():
        want = help_options(c)
        same(got["pvtrace %s -" % c], want, "%s: pvtrace %s -<Tab> against --help" % (label, c))
        same(got["pvtrace %s --" % c], {o for o in want if o.startswith("--")},
             "%s: pvtrace %s --<Tab>" % (label, c))


def value_cases():
    """[(line, what it completes to)]: every option with a value, of every subcommand,
    completed after a blank (in an empty directory), and the --opt= form of the long ones."""
    out = []
    for c in commands():
        values = help_values(c)
        for opt in sorted(help_takes_value(c)):
            out.append(("pvtrace %s %s " % (c, opt), values[opt]))
            if opt.startswith("--"):
                out.append(("pvtrace %s %s=" % (c, opt), values[opt]))
        for opt in sorted(help_takes_value(c, optional=True)):
            out.append(("pvtrace %s %s=" % (c, opt), values[opt]))
    return out


def check_value(line, kind, got, fx, label):
    what = "%s: %r" % (label, line)
    if isinstance(kind, set):
        same(got, kind, what + " (the choices --help lists)")
    elif kind is None or kind == "file":
        # none (a number, a duration, an address), or the files of an empty directory
        same(got, [], what)
    elif kind == "pid":
        has(got, [str(os.getpid()), "1"], what + " (running pids)")
    elif kind == "user":
        has(got, ["root", "nobody"], what + " (users)")
    elif kind == "cpu":
        same(got, cpus(), what + " (CPUs)")
    elif kind == "cgroup":
        if fx.mnt:
            has([g.rstrip("/") for g in got], [fx.mnt], what + " (the cgroup2 mount)")
    else:
        raise AssertionError("%s: kind %r" % (what, kind))


@test
def completion_bash_options_and_values_follow_help():
    need("build")
    need("bash-completion")
    with Fixture() as fx:
        for with_bc in (True, False):
            label = "bash" + ("" if with_bc else " without bash-completion")
            got = Bash(fx.dir, with_bc).complete(bash_option_lines())
            check_options(got, label)
            cases = value_cases()
            got = Bash(fx.empty, with_bc).complete([l for l, _ in cases])
            for line, kind in cases:
                check_value(line, kind, got[line], fx, label)
            # files where --help says FILE
            cases = [(l + "so", k) for l, k in value_cases() if k == "file"]
            got = Bash(fx.dir, with_bc).complete([l for l, _ in cases])
            for line, _ in cases:
                same(got[line], ["somefile"], "%s: %r (files)" % (label, line))


@test
def completion_bash_lines():
    need("build")
    need("bash-completion")
    me = str(os.getpid())
    with Fixture() as fx:
        run_opts = help_options("run")
        lines = {
            # subcommands
            "pvtrace r": ["record", "report", "run"],
            "pvtrace ru": ["run"],
            "pvtrace -v r": ["record", "report", "run"],
            "pvtrace help ": subcommands(),
            "pvtrace help r": ["record", "report", "run"],
            "pvtrace help run ": [],
            "pvtrace nosuch -": [],
            # options and values
            "pvtrace run --f": [o for o in run_opts if o.startswith("--f")],
            "pvtrace run --no-s": [o for o in run_opts if o.startswith("--no-s")],
            "pvtrace run -f ": ["text", "json"],
            "pvtrace run --format=": ["text", "json"],
            "pvtrace run --format=j": ["json"],
            "pvtrace run -fj": ["-fjson"],
            "pvtrace run -vf ": ["text", "json"],
            "pvtrace report --by c": ["cgroup"],
            "pvtrace serve --by=": ["process", "thread", "cgroup", "comm"],
            "pvtrace top -s rq": ["rq-p50", "rq-p99"],
            "pvtrace bench --suite create,s": ["create,switch", "create,scale"],
            "pvtrace run -f json --hist -": run_opts,
            "pvtrace top ": help_options("top"),  # no argument to take: the options
            "pvtrace serve -i ": [],
            "pvtrace run -o so": ["somefile"],
            "pvtrace report -i pv": ["pvtrace.data"],
            "pvtrace perfetto -i ": ["pvtrace.data", "somefile", "subdir"],
            "pvtrace record --report=so": ["somefile"],
            "pvtrace run --events=so": ["somefile"],
            "pvtrace run -u roo": ["root"],
            "pvtrace calibrate --cpu ": cpus(),
            "pvtrace bench --cpus 0,": ["0," + c for c in cpus()],
        }
        has_lines = {
            "pvtrace attach -p ": [me, "1"],
            "pvtrace attach -p 1,": ["1," + me],
            "pvtrace top --pid=": [me],
            "pvtrace attach -p" + me[:-1]: ["-p" + me],
            # the command: after --, or the first word that is not an option or its value
            "pvtrace run -- sl": ["sleep"],
            "pvtrace run sl": ["sleep"],
            "pvtrace run -f json sl": ["sleep"],
            "pvtrace run --format=json sl": ["sleep"],
            "pvtrace run -vf json -- sl": ["sleep"],
            "pvtrace -v record -o x.data --report sl": ["sleep"],
            "pvtrace record --events --hist sl": ["sleep"],
            # its arguments: its own completion, or files
            "pvtrace run -- sleep ": ["somefile", "subdir"],
            "pvtrace run sleep so": ["somefile"],
            "pvtrace run -- pvtrace r": ["record", "report", "run"],
            "pvtrace run -- ls --al": ["--all"],
            "pvtrace record -- pvtrace run -f ": ["text", "json"],
        }
        not_lines = {
            "pvtrace run -- sleep ": run_opts,
            "pvtrace run -- sleep -": run_opts,
            "pvtrace run sleep -": run_opts,
            "pvtrace run -- ls --al": ["--format"],
        }
        # every option taking a value skips it, every flag does not: the command after
        for c in ("run", "record"):
            for opt in help_options(c) - {"-h", "--help"}:
                if opt in help_takes_value(c):
                    has_lines["pvtrace %s %s x sl" % (c, opt)] = ["sleep"]
                else:
                    has_lines["pvtrace %s %s sl" % (c, opt)] = ["sleep"]
                if opt.startswith("--") and opt in help_takes_value(c) | help_takes_value(
                        c, optional=True):
                    has_lines["pvtrace %s %s=x sl" % (c, opt)] = ["sleep"]
        # cgroups: on the cgroup2 mount, or relative to it
        if fx.mnt:
            has_lines["pvtrace attach --cgroup "] = [fx.mnt + "/"]
            lines["pvtrace attach --cgroup %s/" % fx.mnt] = fx.cgroup_dirs(fx.mnt)
            lines["pvtrace top --cgroup=%s/" % fx.mnt] = fx.cgroup_dirs(fx.mnt)
            sfc = "/sys/fs/cgroup"
            lines["pvtrace attach --cgroup %s/" % sfc] = (
                fx.cgroup_dirs(sfc) if fx.mnt == sfc else
                [fx.mnt + "/"] if fx.mnt.startswith(sfc + "/") else [])
        if fx.cg:
            rel = fx.cg[len(fx.mnt):]
            lines["pvtrace attach --cgroup %s/" % fx.cg] = [fx.cg + "/child"]
            lines["pvtrace serve --cgroup %s/" % rel] = [rel + "/child/"]
            lines["pvtrace top --cgroup %s" % rel[:-2]] = [rel + "/"]
            has_lines["pvtrace attach --cgroup %s/" % fx.mnt] = [fx.cg]
        got = Bash(fx.dir).complete(sorted(set(lines) | set(has_lines) | set(not_lines)))
        for line, want in lines.items():
            same(got[line], want, "bash: %r" % line)
        for line, want in has_lines.items():
            has(got[line], want, "bash: %r" % line)
        for line, bad in not_lines.items():
            check(not set(got[line]) & set(bad), "bash: %r offers pvtrace's options: %s"
                  % (line, sorted(set(got[line]) & set(bad))))

        # without bash-completion: compgen's commands and files
        plain = {
            "pvtrace r": ["record", "report", "run"],
            "pvtrace run -- zzqqx": [],
            "pvtrace run -o so": ["somefile"],
            "pvtrace run -- sleep so": ["somefile"],
            "pvtrace help ": subcommands(),
        }
        got = Bash(fx.dir, False).complete(sorted(plain) + ["pvtrace run -- sl"])
        for line, want in plain.items():
            same(got[line], want, "bash without bash-completion: %r" % line)
        has(got["pvtrace run -- sl"], ["sleep"], "bash without bash-completion: -- sl")


# ---- in a terminal ----

def shell_env(home):
    env = dict(os.environ, PATH=ROOT + os.pathsep + os.environ.get("PATH", ""), HOME=home,
               INPUTRC="/dev/null", LC_ALL="C.UTF-8")
    for v in ("BASH_COMPLETION_USER_DIR", "XDG_DATA_HOME", "ZDOTDIR", "PROMPT_COMMAND"):
        env.pop(v, None)
    return env


def last_line(scr):
    return [l for l in scr.splitlines() if l.strip()][-1]


def no_errors(scr, what):
    for word in ("command not found", "syntax error", "_pvtrace:", "bad pattern", "bash: ",
                 "zsh: "):
        check(word not in scr, "%s: %r on the screen:\n%s" % (what, word, scr))


def bash_screen(s, lazy):
    """pvtrace r Tab Tab lists the three; pvtrace ru Tab completes run and a blank."""
    s.type("PS1='$ '")
    s.send("Enter")
    if lazy:
        s.type(". %s; complete -p pvtrace 2>/dev/null || echo NOT-YET-LOADED"
               % BASH_COMPLETION)
    else:
        s.type(". %s; echo SOURCED" % shlex.quote(BASH_SCRIPT))
    s.send("Enter")
    s.wait_for(lambda scr: "NOT-YET-LOADED" in scr.splitlines() or "SOURCED" in scr.splitlines())
    s.type("pvtrace r")
    s.send("Tab")
    s.send("Tab")
    s.wait_for(lambda scr: re.search(r"^record +report +run *$", scr, re.M), what="the list")
    s.send("C-u")
    s.type("pvtrace ru")
    s.send("Tab")
    s.type("X")
    s.wait_for(lambda scr: last_line(scr) == "$ pvtrace run X", what="pvtrace run X")
    s.send("C-u")
    s.type("pvtrace run --format=")
    s.send("Tab")
    s.send("Tab")
    s.wait_for(lambda scr: re.search(r"^json +text *$", scr, re.M), what="the formats")
    s.send("C-u")
    s.type("pvtrace run -- slee")
    s.send("Tab")
    s.type("X")
    s.wait_for(lambda scr: last_line(scr) == "$ pvtrace run -- sleep X", what="sleep")
    s.send("C-u")
    s.type("pvtrace report -i pv")
    s.send("Tab")
    s.type("X")
    s.wait_for(lambda scr: last_line(scr) == "$ pvtrace report -i pvtrace.data X",
               what="the file")
    s.send("C-u")
    if lazy:
        s.type("complete -p pvtrace")
        s.send("Enter")
        s.wait_for("complete -F _pvtrace pvtrace", what="the completion, loaded")
    no_errors(s.screen(), "bash")


@test
def completion_bash_in_a_terminal():
    """Lazily loaded by bash-completion (from BASH_COMPLETION_USER_DIR's completions/pvtrace,
    as from /usr/share/bash-completion/completions/pvtrace), then sourced alone."""
    need("build")
    need("bash-completion")
    need_tmux()
    with Fixture() as fx:
        comp = os.path.join(fx.dir, "bc", "completions")
        os.makedirs(comp)
        os.symlink(BASH_SCRIPT, os.path.join(comp, "pvtrace"))
        env = shell_env(fx.dir)
        for lazy in (True, False):
            if lazy:
                env["BASH_COMPLETION_USER_DIR"] = os.path.join(fx.dir, "bc")
            with Screen(["sh", "-c", 'cd "$1" && exec bash --norc --noprofile', "sh", fx.dir],
                        width=150, height=40, env=env) as s:
                bash_screen(s, lazy)


# ---- zsh ----

ZSH_SETUP = r"""
PROMPT='> '
bindkey -e
exec 2>>%(dir)s/zsh.err
fpath=(%(compdir)s $fpath)
autoload -Uz compinit && compinit -u -D
print -r -- LOADED:$_comps[pvtrace]
unsetopt autolist
# every match a completion adds, one per line, to %(dir)s/zsh.out
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits
  builtin compadd -A __hits "$@"
  (( $#__hits )) && print -rl -- $__hits >> %(dir)s/zsh.out
  builtin compadd "$@"
}
"""


class Zsh:
    """zsh -f in tmux with compinit and the completion on $fpath; complete(line) types
    the line, Tab, and returns the matches added."""

    def __init__(self, fx):
        self.fx = fx
        self.out = os.path.join(fx.dir, "zsh.out")
        self.err = os.path.join(fx.dir, "zsh.err")
        self.n = 0
        with open(os.path.join(fx.dir, "setup.zsh"), "w") as f:
            f.write(ZSH_SETUP % {"dir": fx.dir, "compdir": os.path.dirname(ZSH_SCRIPT)})
        self.s = Screen(["sh", "-c", 'cd "$1" && exec zsh -f', "sh", fx.dir], width=200,
                        height=50, env=shell_env(fx.dir))

    def __enter__(self):
        self.s.start()
        self.s.type(". %s/setup.zsh" % self.fx.dir)
        self.s.send("Enter")
        scr = self.s.wait_for("LOADED:", what="the setup")
        check("LOADED:_pvtrace" in scr, "compinit did not find _pvtrace:\n%s" % scr)
        return self

    def __exit__(self, *exc):
        self.s.close()

    def mark(self):
        self.n += 1
        m = "DONE-%d" % self.n
        self.s.type("print -r -- " + m)
        self.s.send("Enter")
        self.s.wait_for(lambda scr: m in scr.splitlines(), what=m)

    def complete(self, line):
        open(self.out, "w").close()
        self.s.type(line)
        self.s.send("Tab")
        self.s.send("C-u")
        self.mark()
        with open(self.out) as f:
            return sorted({l for l in f.read().splitlines()})

    def errors(self):
        with open(self.err) as f:
            return f.read()


def basenames(paths):
    return [p.rstrip("/").rsplit("/", 1)[-1] for p in paths]


def options_only(hits):
    return [h.rstrip("=") for h in hits if re.match(r"^%s=?$" % OPT, h)]


@test
def completion_zsh():
    need("build")
    need("zsh")
    need_tmux()
    p = subprocess.run(["zsh", "-n", ZSH_SCRIPT], capture_output=True, timeout=30)
    check(p.returncode == 0 and not p.stderr, "zsh -n: %s" % p.stderr.decode())
    me = str(os.getpid())
    with Fixture() as fx, Zsh(fx) as z:
        same(z.complete("pvtrace "), subcommands(), "zsh: pvtrace <Tab>")
        same(z.complete("pvtrace r"), ["record", "report", "run"], "zsh: pvtrace r")
        same(z.complete("pvtrace -v r"), ["record", "report", "run"], "zsh: pvtrace -v r")
        same(z.complete("pvtrace help "), subcommands(), "zsh: pvtrace help <Tab>")
        for c in commands():
            same(options_only(z.complete("pvtrace %s -" % c)), help_options(c),
                 "zsh: pvtrace %s -<Tab> against --help" % c)
        for c in commands():
            for opt, kind in sorted(help_values(c).items()):
                if isinstance(kind, set) and opt in help_takes_value(c):
                    same(z.complete("pvtrace %s %s " % (c, opt)), kind,
                         "zsh: pvtrace %s %s <Tab>" % (c, opt))
        same(z.complete("pvtrace run --format="), ["text", "json"], "zsh: --format=")
        same(z.complete("pvtrace bench -s create,"), ["switch", "ipc", "memory", "scale"],
             "zsh: bench -s create,")
        has(z.complete("pvtrace run -- sl"), ["sleep"], "zsh: run -- sl")
        has(z.complete("pvtrace record -f json sl"), ["sleep"], "zsh: record -f json sl")
        has(z.complete("pvtrace record --report --events -o x sl"), ["sleep"],
            "zsh: record --report --events -o x sl")
        check("--null-programs" not in z.complete("pvtrace run -- cat -"),
              "zsh: run -- cat - offers pvtrace's options")
        same(z.complete("pvtrace run -- cat so"), ["somefile"], "zsh: run -- cat so")
        for line in ("pvtrace run -o so", "pvtrace report -i so", "pvtrace perfetto -o so",
                     "pvtrace run --events=so", "pvtrace calibrate -o so"):
            same(z.complete(line), ["somefile"], "zsh: " + line)
        has(z.complete("pvtrace attach -p "), [me, "1"], "zsh: attach -p")
        has(z.complete("pvtrace top -p 1,"), [me], "zsh: top -p 1,")
        has(z.complete("pvtrace run -u roo"), ["root"], "zsh: run -u roo")
        same(z.complete("pvtrace calibrate --cpu "), cpus(), "zsh: calibrate --cpu")
        if fx.mnt:
            same(basenames(z.complete("pvtrace attach --cgroup %s/" % fx.mnt)),
                 basenames(fx.cgroup_dirs(fx.mnt)), "zsh: --cgroup")
        if fx.cg:
            rel = fx.cg[len(fx.mnt):]
            same(basenames(z.complete("pvtrace attach --cgroup %s/" % rel)), ["child"],
                 "zsh: --cgroup, relative to the mount")
        # what Tab does to the line
        z.s.type("pvtrace ru")
        z.s.send("Tab")
        z.s.type("X")
        z.s.wait_for(lambda scr: last_line(scr) == "> pvtrace run X", what="pvtrace run X")
        z.s.send("C-u")
        z.s.type("setopt autolist")
        z.s.send("Enter")
        z.s.type("pvtrace r")
        z.s.send("Tab")
        z.s.wait_for(lambda scr: re.search(r"^record\b.*\n^report\b.*\n^run\b", scr, re.M)
                     or re.search(r"^record +report +run *$", scr, re.M), what="the list")
        z.s.send("C-u")
        z.mark()
        no_errors(z.s.screen(), "zsh")
        check(not z.errors(), "zsh's stderr: %s" % z.errors())


if __name__ == "__main__":
    sys.exit(testlib.main("install"))
