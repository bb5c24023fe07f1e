"""Install and package: make install / make uninstall in a DESTDIR (every file where the
FHS puts it, the installed pvtrace finding its pvbench, nothing left behind), the one
version (VERSION, scripts/version.sh, pvtrace --version, debian/changelog), and the Debian
package: make deb, lintian, then installed on this machine (root: dpkg -i, the installed
pvtrace run, its man pages and completion where man and bash-completion find them, and
dpkg --purge whatever happened).

The man pages and the completion files are expected when their sources are in the tree
(man/*.scd, completion/pvtrace.bash, completion/_pvtrace).
"""
import glob
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import Skip, check, run, test  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEB_TIMEOUT = 900


def env_for_make():
    """The environment without a calling make's flags (make check's jobserver is not ours)."""
    env = dict(os.environ)
    for var in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PREFIX", "DESTDIR", "PVTRACE_PVBENCH"):
        env.pop(var, None)
    return env


def make(*args, timeout=600):
    return run(["make", "--no-print-directory", "-C", ROOT, *args], timeout=timeout,
               env=env_for_make())


def out_tail(p, n=3000):
    return (p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace"))[-n:]


def version():
    p = run(["sh", os.path.join(ROOT, "scripts", "version.sh")])
    check(p.returncode == 0, "scripts/version.sh: %s" % out_tail(p))
    return p.stdout.decode().strip()


def man_pages():
    """man/NAME.N.scd -> (N, NAME.N)."""
    pages = []
    for src in sorted(glob.glob(os.path.join(ROOT, "man", "*.scd"))):
        name = os.path.basename(src)[:-len(".scd")]
        pages.append((name.rsplit(".", 1)[1], name))
    return pages


def has(path):
    return os.path.exists(os.path.join(ROOT, path))


def expected_files(prefix, zshdir):
    """{path under DESTDIR: mode} of what make install PREFIX=prefix installs."""
    p = prefix.lstrip("/")
    files = {p + "/bin/pvtrace": 0o755, p + "/libexec/pvtrace/pvbench": 0o755}
    for sec, name in man_pages():
        files["%s/share/man/man%s/%s" % (p, sec, name)] = 0o644
    if has("completion/pvtrace.bash"):
        files[p + "/share/bash-completion/completions/pvtrace"] = 0o644
    if has("completion/_pvtrace"):
        files["%s/share/zsh/%s/_pvtrace" % (p, zshdir)] = 0o644
    docs = ["README.md"] + [os.path.relpath(d, ROOT) for d in glob.glob(os.path.join(ROOT, "docs", "*.md"))]
    for d in docs:
        files[p + "/share/doc/pvtrace/" + os.path.basename(d)] = 0o644
    for d in glob.glob(os.path.join(ROOT, "docs", "perfetto", "*.proto")):
        files[p + "/share/doc/pvtrace/perfetto/" + os.path.basename(d)] = 0o644
    return files


def files_under(top):
    out = {}
    for d, _, names in os.walk(top):
        for n in names:
            path = os.path.join(d, n)
            out[os.path.relpath(path, top)] = os.stat(path).st_mode & 0o7777
    return out


def install_uninstall(prefix, zshdir, pvtrace_runs):
    """make install DESTDIR=tmp [PREFIX=prefix]: exactly the expected files; make uninstall:
    none of them left, what was there before untouched."""
    dest = tempfile.mkdtemp(prefix="pvtrace-install-")
    p_args = ["PREFIX=" + prefix] if prefix != "/usr/local" else []  # (/usr/local: the default)
    # Files of others in the same directories: uninstall leaves them.
    others = {prefix.lstrip("/") + "/bin/other-tool": 0o755,
              prefix.lstrip("/") + "/share/man/man1/other.1": 0o644,
              prefix.lstrip("/") + "/share/doc/other/README": 0o644}
    try:
        for f, mode in others.items():
            os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
            with open(os.path.join(dest, f), "w") as fh:
                fh.write("not pvtrace's\n")
            os.chmod(os.path.join(dest, f), mode)
        p = make("install", "DESTDIR=" + dest, *p_args)
        check(p.returncode == 0, "make install: %s" % out_tail(p))
        want = dict(expected_files(prefix, zshdir), **others)
        got = files_under(dest)
        check(got == want, "installed %s\nexpected %s\nmissing %s, extra %s" % (
            sorted(got), sorted(want), sorted(set(want) - set(got)), sorted(set(got) - set(want))))
        if pvtrace_runs:
            pvtrace_runs(dest + prefix)
        p = make("uninstall", "DESTDIR=" + dest, *p_args)
        check(p.returncode == 0, "make uninstall: %s" % out_tail(p))
        got = files_under(dest)
        check(got == others, "left after make uninstall: %s" % sorted(set(got) - set(others)))
        for d in ("libexec/pvtrace", "share/doc/pvtrace"):
            check(not os.path.exists(os.path.join(dest + prefix, d)), "%s left" % d)
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def installed_pvtrace_runs(usr):
    """The installed pvtrace: the version, and pvbench found beside it (../libexec/pvtrace)."""
    env = env_for_make()
    pvtrace = os.path.join(usr, "bin", "pvtrace")
    p = run([pvtrace, "--version"], env=env)
    check(p.returncode == 0 and p.stdout.decode().strip() == "pvtrace " + version(),
          "--version: %r (VERSION and git: %s)" % (p.stdout.decode(), version()))
    p = run([pvtrace, "bench", "--help"], env=env)
    text = p.stdout.decode()
    check(p.returncode == 0 and "usage: pvtrace bench" in text and "usage: pvbench" in text,
          "bench --help (rc %d): %s" % (p.returncode, out_tail(p)))
    # The installed pvbench is the one it ran: without it, bench finds none.
    pvbench = os.path.join(usr, "libexec", "pvtrace", "pvbench")
    os.rename(pvbench, pvbench + ".away")
    try:
        p = run([pvtrace, "bench", "--help"], env=env)
        check(p.returncode != 0 and b"cannot find pvbench" in p.stderr,
              "bench without libexec/pvtrace/pvbench (rc %d): %s" % (p.returncode, out_tail(p)))
    finally:
        os.rename(pvbench + ".away", pvbench)


@test
def install_prefix_usr_then_uninstall_leaves_nothing():
    install_uninstall("/usr", "vendor-completions", installed_pvtrace_runs)


@test
def install_default_prefix_is_usr_local():
    install_uninstall("/usr/local", "site-functions", None)


@test
def version_is_VERSION_and_git_and_pvtrace_prints_it():
    with open(os.path.join(ROOT, "VERSION")) as f:
        base = f.read().strip()
    v = version()
    check(v == base or v.startswith(base + "+"), "version %s from VERSION %s" % (v, base))
    # A Debian version (native: no hyphen, no epoch), newer than the release it builds on.
    check("-" not in v and ":" not in v, "%s: no hyphen, no epoch" % v)
    p = run(["dpkg", "--compare-versions", v, "ge", base])
    check(p.returncode == 0, "dpkg --compare-versions %s ge %s: %s" % (v, base, out_tail(p)))
    p = run([os.path.join(ROOT, "pvtrace"), "--version"])
    check(p.stdout.decode().strip() == "pvtrace " + v, "./pvtrace --version: %r, want %s"
          % (p.stdout.decode(), v))


@test
def changelog_first_entry_is_VERSION():
    with open(os.path.join(ROOT, "VERSION")) as f:
        base = f.read().strip()
    p = run(["dpkg-parsechangelog", "-l", os.path.join(ROOT, "debian", "changelog"), "-S", "Version"])
    check(p.returncode == 0, "dpkg-parsechangelog: %s" % out_tail(p))
    check(p.stdout.decode().strip() == base, "debian/changelog's first entry %s, VERSION %s: add "
          "a changelog entry with each VERSION" % (p.stdout.decode().strip(), base))


_deb = {}


def built_deb():
    """make deb, once per run: the path of .output/deb/pvtrace_VERSION_amd64.deb."""
    if "path" not in _deb:
        _deb["path"] = None
        v = version()
        p = make("deb", timeout=DEB_TIMEOUT)
        _deb["error"] = "make deb (rc %d): %s" % (p.returncode, out_tail(p))
        path = os.path.join(ROOT, ".output", "deb", "pvtrace_%s_amd64.deb" % v)
        if p.returncode == 0 and os.path.exists(path):
            _deb["path"] = path
    check(_deb["path"], _deb["error"])
    return _deb["path"]


@test
def deb_builds_and_lintian_finds_no_error_or_warning():
    deb = built_deb()
    p = run(["dpkg-deb", "-f", deb, "Version", "Architecture"])
    check(p.stdout.decode().split() == ["Version:", version(), "Architecture:", "amd64"],
          "control: %s" % p.stdout.decode())
    p = run(["dpkg-deb", "-c", deb])
    listed = {line.split()[-1].lstrip(".") for line in p.stdout.decode().splitlines()}
    want = ["/usr/bin/pvtrace", "/usr/libexec/pvtrace/pvbench", "/usr/share/doc/pvtrace/copyright",
            "/usr/share/doc/pvtrace/changelog.gz"]
    want += ["/usr/share/man/man%s/%s.gz" % (sec, name) for sec, name in man_pages()]
    if has("completion/pvtrace.bash"):
        want.append("/usr/share/bash-completion/completions/pvtrace")
    if has("completion/_pvtrace"):
        want.append("/usr/share/zsh/vendor-completions/_pvtrace")
    check(not set(want) - listed, "not in the package: %s" % sorted(set(want) - listed))
    # Warnings too: one that stays needs a reason (debian/pvtrace.lintian-overrides).
    p = run(["lintian", "--fail-on", "error,warning", "--display-info", deb], timeout=300)
    check(p.returncode == 0, "lintian (rc %d):\n%s" % (p.returncode, out_tail(p)))


def installed(pkg):
    p = run(["dpkg-query", "-W", "-f", "${Status}", pkg])
    return p.returncode == 0 and p.stdout.decode().endswith(" installed")


@test
def deb_installs_runs_and_purges():
    if os.geteuid() != 0:
        raise Skip("dpkg -i needs root")
    if installed("pvtrace"):
        raise Skip("a pvtrace package is installed on this machine: not replaced by the test's")
    deb = built_deb()
    try:
        p = run(["dpkg", "-i", deb], timeout=300)
        check(p.returncode == 0, "dpkg -i: %s" % out_tail(p))
        env = env_for_make()
        p = run(["/usr/bin/pvtrace", "--version"], env=env)
        check(p.stdout.decode().strip() == "pvtrace " + version(), "--version: %r" % p.stdout.decode())
        # A trace: root and BPF.
        p = run(["/usr/bin/pvtrace", "run", "-f", "json", "-o", "-", "--", "true"], env=env)
        check(p.returncode == 0, "pvtrace run (rc %d): %s" % (p.returncode, out_tail(p)))
        r = json.loads(p.stdout.decode())
        check(r["command"] == ["true"] and r["exit"]["code"] == 0, "command %s exit %s" %
              (r["command"], r["exit"]))
        check(r["pvtrace_version"] == version(), "report's version %s" % r["pvtrace_version"])
        check(any(t["comm"] == "true" for t in r["tasks"]), "no task true: %s" %
              [t["comm"] for t in r["tasks"]])
        p = run(["/usr/bin/pvtrace", "bench", "--help"], env=env)
        check(p.returncode == 0 and b"usage: pvbench" in p.stdout, "bench --help: %s" % out_tail(p))
        # The man pages where man finds them, and rendered.
        for sec, name in man_pages():
            page = name.rsplit(".", 1)[0]
            p = run(["man", "-w", sec, page])
            where = "/usr/share/man/man%s/%s.gz" % (sec, name)
            check(p.returncode == 0 and p.stdout.decode().strip() == where,
                  "man -w %s %s: %r, want %s" % (sec, page, out_tail(p), where))
            p = run(["man", sec, page], env=dict(env, MANPAGER="cat", PAGER="cat", MANWIDTH="80"))
            check(p.returncode == 0 and page.encode() in p.stdout and len(p.stdout) > 100,
                  "man %s %s (rc %d): %s" % (sec, page, p.returncode, out_tail(p)))
        # bash-completion's loader finds the completion by the command's name.
        if has("completion/pvtrace.bash"):
            path = "/usr/share/bash-completion/completions/pvtrace"
            check(os.path.exists(path), "%s missing" % path)
            p = run(["pkg-config", "--variable=completionsdir", "bash-completion"])
            if p.returncode == 0:
                check(p.stdout.decode().strip() == os.path.dirname(path),
                      "bash-completion loads from %s" % p.stdout.decode().strip())
            if os.path.exists("/usr/share/bash-completion/bash_completion"):
                p = run(["bash", "-c", ". /usr/share/bash-completion/bash_completion; "
                         "if type -t _comp_load >/dev/null; then _comp_load pvtrace; "
                         "else __load_completion pvtrace; fi && complete -p pvtrace"])
                check(p.returncode == 0 and b"pvtrace" in p.stdout,
                      "bash-completion loads no pvtrace completion: %s" % out_tail(p))
                # What it loaded completes: the function `complete -p` names, called as
                # bash calls it on Tab after "pvtrace r" and "pvtrace ru".
                script = (". /usr/share/bash-completion/bash_completion; "
                          "if type -t _comp_load >/dev/null; then _comp_load pvtrace; "
                          "else __load_completion pvtrace; fi || exit 1; "
                          "fn=$(complete -p pvtrace | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p'); "
                          "for w in r ru; do COMP_WORDS=(pvtrace $w); COMP_CWORD=1; "
                          "COMP_LINE=\"pvtrace $w\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); "
                          "\"$fn\" pvtrace $w pvtrace; echo \"$w: $(printf '%s\\n' "
                          "\"${COMPREPLY[@]}\" | sort | tr '\\n' ' ')\"; done")
                p = run(["bash", "-c", script])
                got = p.stdout.decode()
                check(p.returncode == 0 and "r: record report run \n" in got and
                      "ru: run \n" in got,
                      "the installed completion: pvtrace r<Tab>, pvtrace ru<Tab>: %r %s"
                      % (got, out_tail(p)))
        if has("completion/_pvtrace"):
            check(os.path.exists("/usr/share/zsh/vendor-completions/_pvtrace"), "zsh completion")
    finally:
        p = run(["dpkg", "--purge", "pvtrace"], timeout=300)
    check(p.returncode == 0, "dpkg --purge: %s" % out_tail(p))
    check(not installed("pvtrace"), "still installed after dpkg --purge")
    left = [f for f in ("/usr/bin/pvtrace", "/usr/libexec/pvtrace", "/usr/share/doc/pvtrace")
            if os.path.exists(f)]
    check(not left, "left after dpkg --purge: %s" % left)


if __name__ == "__main__":
    from testlib import main
    sys.exit(main("install"))
