# bash completion for pvtrace                              -*- shell-script -*-
#
# Source it (. completion/pvtrace.bash), or install it as
# /usr/share/bash-completion/completions/pvtrace: bash-completion then loads it on the
# first completion of a pvtrace command line.  With bash-completion loaded it uses its
# _filedir and _command_offset (the command after `pvtrace run --` completed by that
# command's own completion); without it, plain compgen.
#
# The subcommands, their options and the options' values are written out here, not
# read from `pvtrace CMD --help` at completion time (some --help texts name other
# subcommands' options in words, and the values are prose).  To keep them in sync,
# tests/install/test_completion.py checks that each subcommand's options completed
# here equal those its --help lists (and its getopt table in user/cmd_*.c), both ways,
# and that the values completed are the choices --help lists.  completion/_pvtrace
# (zsh) holds the same lists and is checked the same way: change both together.

# _pvtrace_spec CMD: sets the caller's flags (options without an argument), args
# (options with one: the next word, or --opt=VALUE) and opt_args (an optional
# argument: only --opt=VALUE) for subcommand CMD; 1 if CMD is not one.
_pvtrace_spec()
{
    # the options 'pvtrace run' shares with attach and record (RUN_LONGOPTS)
    local run_flags="--hist --status --no-status --no-syscall-costs --bpf-stats
        -v --verbose -h --help"
    local run_args="-o --output -f --format -t --top -i --interval --max-tasks
        --keep-tasks --ringbuf-kb --by --calibration --syscall-costs"
    local target_args="-p --pid --cgroup -d --duration"
    flags= args= opt_args=
    case $1 in
    run)
        flags="$run_flags --null-programs --live" args="$run_args -u --user"
        opt_args="--events" ;;
    attach)
        flags=$run_flags args="$run_args $target_args" opt_args="--events" ;;
    record)
        flags="$run_flags --force"
        args="$run_args -u --user --record-buffer-kb $target_args"
        opt_args="--events --report" ;;
    report)
        flags="--hist --timeline -v --verbose -h --help"
        args="-i --input -o --output -f --format -t --top --by --calibration" ;;
    perfetto)
        flags="-v --verbose -h --help" args="-i --input -o --output" ;;
    top)
        flags="-b --batch -r --reverse -H --threads -v --verbose -h --help"
        args="-p --pid --cgroup -d --delay -n --iterations -f --format --by -s --sort
            --filter --max-tasks" ;;
    serve)
        flags="--all --bpf-stats -v --verbose -h --help"
        args="-l --listen -p --pid --cgroup --by --max-series --grace -i --interval
            --max-tasks" ;;
    bench)
        # bench's own two, then pvbench's
        flags="--trace -q --quick -v --verbose -V --version -h --help"
        args="--trace-output -r --runs -s --suite --ws --cpus -f --format -o --output" ;;
    calibrate)
        flags="--quick --print-only -v --verbose -h --help"
        args="-o --output --cpu --rounds --reps" ;;
    help) ;;
    *) return 1 ;;
    esac
}

# _pvtrace_words LIST: COMPREPLY from the words of LIST matching $cur.
_pvtrace_words()
{
    local IFS=$' \t\n'
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

# _pvtrace_list LIST: the same for a comma-separated list (-p 1,2; --suite a,b): the
# item after the last comma.
_pvtrace_list()
{
    local IFS=$' \t\n' head=${cur%"${cur##*,}"}
    COMPREPLY=($(compgen -P "$head" -W "$1" -- "${cur##*,}"))
}

_pvtrace_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir
    else
        local IFS=$'\n'
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

# cgroup v2 directories: a path on the cgroup2 mount, or relative to it as
# /proc/PID/cgroup shows it (/system.slice/x.service).
_pvtrace_cgroups()
{
    local root=/sys/fs/cgroup dev mnt type rest d IFS=$'\n'
    while IFS=$' \t' read -r dev mnt type rest; do
        [[ $type == cgroup2 ]] && { root=$mnt; break; }
    done </proc/mounts 2>/dev/null
    if [[ $cur == "$root"/* ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur"))
        return
    fi
    COMPREPLY=()
    [[ $root/ == "$cur"* ]] && COMPREPLY+=("$root/")
    if [[ -z $cur || $cur == /* ]]; then
        for d in $(compgen -d -- "$root${cur:-/}"); do
            COMPREPLY+=("${d#"$root"}/")
        done
    fi
    compopt -o nospace 2>/dev/null
}

# The values of option $2 of subcommand $1, for $cur.
_pvtrace_value()
{
    local p pids=() cpus=()
    case $1:$2 in
    *:-f | *:--format)
        _pvtrace_words "text json" ;;
    serve:--by)
        _pvtrace_words "process thread cgroup comm" ;;
    *:--by)
        _pvtrace_words "process cgroup" ;;
    *:--syscall-costs)
        _pvtrace_words "bursts always never" ;;
    top:-s | top:--sort)
        _pvtrace_words "pid comm thr sw vol invol same aschg rq-p50 rq-p99 cpu rss" ;;
    bench:-s | bench:--suite)
        _pvtrace_list "create switch ipc memory scale" ;;
    *:-u | *:--user)
        COMPREPLY=($(compgen -u -- "$cur")) ;;
    *:-p | *:--pid)
        for p in /proc/[0-9]*; do
            pids+=("${p#/proc/}")
        done
        _pvtrace_list "${pids[*]}" ;;
    *:--cgroup)
        _pvtrace_cgroups ;;
    *:--cpu | *:--cpus)
        for p in /sys/devices/system/cpu/cpu[0-9]*; do
            cpus+=("${p#/sys/devices/system/cpu/cpu}")
        done
        _pvtrace_list "${cpus[*]}" ;;
    report:-i | report:--input | perfetto:-i | perfetto:--input | \
    *:-o | *:--output | *:--calibration | *:--events | *:--report | *:--trace-output)
        _pvtrace_files ;;
    esac
    # anything else takes a number, a duration, an address or text: nothing to offer
}

# The command (pvtrace run / record CMD ARGS): COMP_WORDS[$1] on.
_pvtrace_command()
{
    if declare -F _command_offset >/dev/null; then
        _command_offset "$1"
    elif (($1 == COMP_CWORD)); then
        local IFS=$'\n'
        COMPREPLY=($(compgen -c -- "$cur"))
    else
        _pvtrace_files
    fi
}

_pvtrace()
{
    local cur prev words cword
    # The words as bash split them: --opt=VALUE is three, "--opt" "=" "VALUE"
    # (COMP_WORDBREAKS), which _command_offset counts too.
    words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    cur=${words[cword]} prev=${words[cword - 1]}
    COMPREPLY=()

    local cmds="run attach record report perfetto top serve bench calibrate help"
    local i=1 cmd=
    # the subcommand: the first word after pvtrace's own options
    while ((i < cword)); do
        [[ ${words[i]} != -* ]] && { cmd=${words[i]}; break; }
        ((i++))
    done
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            _pvtrace_words "-v --verbose --version -h --help"
        else
            _pvtrace_words "$cmds"
        fi
        return
    fi
    local flags args opt_args
    _pvtrace_spec "$cmd" || return
    local argset=" ${args//[[:space:]]/ } " # one line: " $w " in it if $w takes a value
    if [[ $cmd == help ]]; then
        ((cword == i + 1)) && _pvtrace_words "$cmds"
        return
    fi

    # The words before the current one: options and their arguments; run and record's
    # command starts at "--" or the first other word (getopt's '+').
    local j w k
    for ((j = i + 1; j < cword; j++)); do
        w=${words[j]}
        if [[ $w == -- ]]; then
            [[ $cmd == run || $cmd == record ]] && _pvtrace_command $((j + 1))
            return
        elif [[ ${words[j + 1]-} == = && $w == --* ]]; then
            ((j += 2)) # --opt=VALUE
        elif [[ $w == --* ]]; then
            [[ "$argset" == *" $w "* ]] && ((j++))
        elif [[ $w == -?* ]]; then
            # short options, perhaps bundled (-vf json): the first that takes an
            # argument takes the rest of the word, or else the next word
            for ((k = 1; k < ${#w}; k++)); do
                if [[ "$argset" == *" -${w:k:1} "* ]]; then
                    ((k == ${#w} - 1)) && ((j++))
                    break
                fi
            done
        elif [[ $cmd == run || $cmd == record ]]; then
            _pvtrace_command $j
            return
        fi
    done

    # The current word: an option's value (-f VALUE, --format VALUE, --format=VALUE,
    # -fVALUE), an option, or run and record's command.
    local opt= short=
    if [[ $cur == = && $prev == --* ]]; then
        opt=$prev cur=
    elif [[ $prev == = && ${words[cword - 2]-} == --* ]]; then
        opt=${words[cword - 2]-}
    elif [[ $prev == --* && "$argset" == *" $prev "* ]]; then
        opt=$prev
    elif [[ $prev == -[!-]* ]]; then
        for ((k = 1; k < ${#prev}; k++)); do
            if [[ "$argset" == *" -${prev:k:1} "* ]]; then
                ((k == ${#prev} - 1)) && opt=-${prev:k:1}
                break
            fi
        done
    fi
    if [[ -z $opt && $cur == -[!-]?* && "$argset" == *" ${cur:0:2} "* ]]; then
        opt=${cur:0:2} short=${cur:0:2} cur=${cur:2}
    fi
    if [[ $opt ]]; then
        _pvtrace_value "$cmd" "$opt"
        if [[ $short ]]; then
            for k in "${!COMPREPLY[@]}"; do
                COMPREPLY[k]=$short${COMPREPLY[k]}
            done
        fi
        return
    fi
    if [[ $cur == -* || ($cmd != run && $cmd != record) ]]; then
        _pvtrace_words "$flags $args $opt_args"
    else
        _pvtrace_command $cword
    fi
}

complete -F _pvtrace pvtrace
