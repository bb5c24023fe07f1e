"""The man pages (man/*.scd, built by `make man` into .output/man/): one page per command
`pvtrace --help` lists and none more; each page's OPTIONS the very options its command's
--help prints, with the same arguments (both parsed, no list kept here); pages that groff
and mandoc read without a warning; pages that render.  Needs no root: it runs the build
tree's ./pvtrace (make all) for the --help texts, and `make man` itself (scdoc).

    python3 tests/install/test_man.py [-k SUBSTRING]
"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import testlib  # noqa: E402
from testlib import Skip, check, test  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PVTRACE = os.path.join(ROOT, "pvtrace")
SRC_DIR = os.path.join(ROOT, "man")
MAN_DIR = os.path.join(ROOT, ".output", "man")
# As lintian renders a page (its groff-message check), and 80 columns.
MAN_ENV = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80", MANPAGER="cat",
               PAGER="cat")
MAN_ENV.pop("MAN_KEEP_FORMATTING", None)

_built = []


def pages():
    """Build the pages (make man) once; {page name: built file}, e.g. {"pvtrace-run": ...}."""
    if not _built:
        for tool, pkg in (("scdoc", "scdoc"), ("mandoc", "mandoc"), ("man", "man-db")):
            if not shutil.which(tool):
                raise Skip("%s is not installed (%s: bash scripts/deps.sh)" % (tool, pkg))
        p = testlib.run(["make", "--no-print-directory", "-C", ROOT, "man"])
        check(p.returncode == 0, "make man failed:\n%s" % (p.stdout + p.stderr).decode()[-3000:])
        _built.append({})
        for src in sorted(glob.glob(os.path.join(SRC_DIR, "*.1.scd"))):
            name = os.path.basename(src)[:-len(".1.scd")]
            _built[0][name] = os.path.join(MAN_DIR, name + ".1")
        check(_built[0], "no man/*.1.scd")
    return _built[0]


def help_text(*cmd):
    check(os.access(PVTRACE, os.X_OK), "no %s: build it first (make all)" % PVTRACE)
    p = testlib.run([PVTRACE, *cmd, "--help"])
    check(p.returncode == 0 and p.stdout, "pvtrace %s --help: exit %d, %s" %
          (" ".join(cmd), p.returncode, p.stderr.decode()))
    return p.stdout.decode()


def commands():
    """The commands `pvtrace --help` lists: {name: the help of `pvtrace NAME --help`}."""
    out, cmds, inside = help_text(), {}, False
    for line in out.splitlines():
        if line.startswith("commands:"):
            inside = True
        elif inside and not line.strip():
            break
        elif inside:
            m = re.match(r"  (\S+)\s{2,}\S", line)
            check(m, "a command line of pvtrace --help: %r" % line)
            cmds[m.group(1)] = help_text(m.group(1))
    check(cmds, "no commands: in pvtrace --help:\n" + out)
    return cmds


def is_help_alias(text):
    """`pvtrace help --help` is pvtrace --help itself: help, documented in pvtrace(1)."""
    return text == help_text()


OPT = re.compile(r"(--?[A-Za-z0-9][A-Za-z0-9-]*)(\[=[A-Za-z_]+\])?$")
ARG = re.compile(r"[A-Z][A-Z0-9_,:.\[\]]*$|[a-z0-9-]+(\|[a-z0-9-]+)+$")


def parse_head(line):
    """An option line's head: '-o, --output FILE   write ...' -> [("-o", None),
    ("--output", "FILE")].  Items separated by commas; each an option, maybe its argument
    ([=FILE] glued, or the next word if it is one: FILE, PID[,PID...], process|cgroup);
    the first word that is neither ends the head (the description)."""
    items, i = [], 0
    words = [(w[:-1], True) if w.endswith(",") else (w, False) for w in line.split()]
    while i < len(words):
        m = OPT.match(words[i][0])
        if not m:
            break
        (opt, arg), more = m.groups(), words[i][1]
        i += 1
        if not arg and not more and i < len(words) and ARG.match(words[i][0]):
            arg, more = words[i]
            i += 1
        items.append((opt, arg))
        if not more:
            break
    return items


def summarize(heads):
    """{option: its argument}, and the (short, long) pairs written together."""
    args, pairs = {}, set()
    for items in heads:
        for k, (opt, arg) in enumerate(items):
            check(args.get(opt, arg) == arg, "%s with two arguments: %s, %s" %
                  (opt, args.get(opt), arg))
            args[opt] = arg
            if (not opt.startswith("--") and arg is None and k + 1 < len(items) and
                    items[k + 1][0].startswith("--")):
                pairs.add((opt, items[k + 1][0]))
    return args, pairs


def help_options(text):
    """The options a --help text describes: its lines that start, indented 2 to 6
    columns, with a '-' (continuation lines are indented further)."""
    return summarize(parse_head(line) for line in text.splitlines()
                     if re.match(r" {2,6}-", line))


def render(page, lines=False):
    """man -l PAGE: (the process, its text).  The text as shown (lines=True), or with the
    words groff hyphenated at a line's end joined again, and every hyphen and minus an
    ASCII '-'."""
    p = subprocess.run(["man", "-l", page], capture_output=True, env=MAN_ENV, timeout=60)
    text = p.stdout.decode("utf-8", "replace")
    text = re.sub(r".\x08", "", text)                 # overstrike, if any
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)         # SGR, if any
    if not lines:
        text = re.sub(r"\u2010\n\s*", "", text)
        text = text.replace("\u2010", "-").replace("\u2212", "-")
    return p, text


def sections(text):
    """The rendered page's sections: {"OPTIONS": [its lines], ...}."""
    out, cur = {}, None
    for line in text.splitlines():
        if re.match(r"[A-Z][A-Z ]+$", line):
            cur = out.setdefault(line.strip(), [])
        elif cur is not None:
            cur.append(line)
    return out


def page_options(page):
    """The options a page's OPTIONS section describes: its entries, the lines at the
    section's own indentation (7 columns; subsection titles are at 3) that start with '-'."""
    p, text = render(page)
    opts = sections(text).get("OPTIONS")
    check(opts, "%s: no OPTIONS section" % page)
    return summarize(parse_head(line) for line in opts if re.match(r" {7}-", line))


def compare_options(what, page, help_txt):
    h_args, h_pairs = help_options(help_txt)
    p_args, p_pairs = page_options(page)
    check(h_args, "%s --help: no option found" % what)
    missing = sorted(set(h_args) - set(p_args))
    extra = sorted(set(p_args) - set(h_args))
    check(not missing, "%s: options in --help, not in the man page's OPTIONS: %s" %
          (what, " ".join(missing)))
    check(not extra, "%s: options in the man page's OPTIONS, not in --help: %s" %
          (what, " ".join(extra)))
    differ = ["%s %s (--help) / %s (page)" % (o, h_args[o], p_args[o]) for o in sorted(h_args)
              if h_args[o] != p_args[o]]
    check(not differ, "%s: arguments differ: %s" % (what, "; ".join(differ)))
    check(h_pairs == p_pairs, "%s: short and long options paired differently: --help %s, "
          "page %s" % (what, sorted(h_pairs), sorted(p_pairs)))


@test
def man_pages_build():
    """make man builds one page per man/*.1.scd, each newer than its source."""
    for name, page in pages().items():
        src = os.path.join(SRC_DIR, name + ".1.scd")
        check(os.path.isfile(page), "%s not built from %s" % (page, src))
        check(os.path.getmtime(page) >= os.path.getmtime(src), "%s older than %s" % (page, src))


@test
def man_page_per_command():
    """Every command of pvtrace --help has its page, pvtrace-CMD(1), and every
    pvtrace-*(1) page is a command's; pvtrace(1) lists every command (help included)
    under COMMANDS and every command's page under SEE ALSO."""
    have = pages()
    check("pvtrace" in have, "no pvtrace(1): man/pvtrace.1.scd")
    cmds = commands()
    paged = {c for c, text in cmds.items() if not is_help_alias(text)}
    check(len(paged) < len(cmds) or "help" not in cmds, "pvtrace help --help is not pvtrace --help")
    want = {"pvtrace-" + c for c in paged}
    got = {n for n in have if n.startswith("pvtrace-")}
    check(not want - got, "commands without a man page: %s" % sorted(want - got))
    check(not got - want, "man pages of no command in pvtrace --help: %s" % sorted(got - want))
    _, text = render(have["pvtrace"])
    sec = sections(text)
    listed = {line.split()[0] for line in sec.get("COMMANDS", []) if re.match(r" {7}\S", line)}
    check(set(cmds) <= listed, "pvtrace(1) COMMANDS misses %s" % sorted(set(cmds) - listed))
    check(listed <= set(cmds), "pvtrace(1) COMMANDS has %s, not in pvtrace --help" %
          sorted(listed - set(cmds)))
    see = " ".join(sec.get("SEE ALSO", []))
    see = re.sub(r"-\s+", "-", see)                    # a line broken after a hyphen
    for c in sorted(paged):
        check("pvtrace-%s(1)" % c in see, "pvtrace(1) SEE ALSO misses pvtrace-%s(1)" % c)
    for c in sorted(paged):
        _, text = render(have["pvtrace-" + c])
        see = re.sub(r"-\s+", "-", " ".join(sections(text).get("SEE ALSO", [])))
        check("pvtrace(1)" in see, "pvtrace-%s(1) SEE ALSO misses pvtrace(1)" % c)
        syn = " ".join(" ".join(sections(text).get("SYNOPSIS", [])).split())
        check(syn.startswith("pvtrace %s" % c), "pvtrace-%s(1) SYNOPSIS: %r" % (c, syn[:60]))


@test
def man_options_match_help():
    """For pvtrace and each command, the options (long and short) its --help prints and
    those its page's OPTIONS describes are the same, with the same argument, the short
    and long forms paired alike (pvtrace bench --help: pvtrace's and pvbench's)."""
    have = pages()
    compare_options("pvtrace", have["pvtrace"], help_text())
    for c, text in sorted(commands().items()):
        if not is_help_alias(text):
            compare_options("pvtrace " + c, have["pvtrace-" + c], text)


@test
def man_pages_lint():
    """groff (man --warnings, as lintian runs it) and mandoc -T lint -W warning have
    nothing to say on any page."""
    for name, page in sorted(pages().items()):
        p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
                           capture_output=True, env=MAN_ENV, timeout=60)
        check(p.returncode == 0 and not p.stderr.strip(), "%s: man --warnings: exit %d\n%s" %
              (name, p.returncode, p.stderr.decode()))
        p = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", page], capture_output=True,
                           timeout=60)
        msgs = [m for m in (p.stdout + p.stderr).decode().splitlines() if m.strip()]
        check(p.returncode in (0, 2) and not msgs, "%s: mandoc -T lint: exit %d\n%s" %
              (name, p.returncode, "\n".join(msgs)))


@test
def man_pages_render():
    """man -l renders each page (80 columns) to text: its title, and its NAME line as
    written in the source."""
    for name, page in sorted(pages().items()):
        p, shown = render(page, lines=True)
        check(p.returncode == 0 and shown.strip(), "%s: man -l: exit %d, %d bytes\n%s" %
              (name, p.returncode, len(shown), p.stderr.decode()))
        check(shown.lstrip().startswith("%s(1)" % name), "%s: title %r" %
              (name, shown.lstrip()[:40]))
        for line in shown.splitlines():
            check(len(line) <= 80, "%s: a line of %d columns: %r" % (name, len(line), line))
        _, text = render(page)
        src = open(os.path.join(SRC_DIR, name + ".1.scd")).read()
        m = re.search(r"^# NAME\n\n(.+?)\n\n", src, re.M | re.S)
        check(m, "%s: no NAME paragraph in the source" % name)
        want = m.group(1)
        check(want.startswith(name + " - "), "%s: NAME %r" % (name, want[:40]))
        got = " ".join(sections(text).get("NAME", []))
        # Compared without blanks and hyphens: groff breaks lines, and hyphenates words.
        squash = lambda s: re.sub(r"[\s\-]", "", s)  # noqa: E731
        check(squash(got) == squash(want), "%s: NAME renders as %r, not %r" % (name, got, want))


if __name__ == "__main__":
    sys.exit(testlib.main("install"))
