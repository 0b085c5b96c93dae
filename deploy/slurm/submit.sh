#!/bin/bash
# Grade a class on Slurm: N shards at once (a job array), then one merge job once they are all over.
#
#   cd COURSE_FOLDER && deploy/slurm/submit.sh SUBMISSIONS OUT N [DATA_DIR] [ROSTER]
#
# Run it from the course folder (grader_config.py, solutions/), as the user the jobs will run as,
# in a shell whose python has movielens_lab installed (or set PYTHON). Before it submits anything it
# checks, as that user and with that interpreter, everything a job needs (the interpreter and the
# package, the course, every submission, the data folder, the output folder), refusing with one line;
# it records the class (plan) so that the merge names every student without a grade, even when no
# shard ran. Paths go to the jobs as arguments, never through --export (which splits on commas).
# SUBMISSIONS, OUT, DATA_DIR (default $MOVIELENS_DIR, else ./data) and the course folder must be on a
# file system every node mounts at the same path. Job logs go to OUT/logs/. Task i of the array
# grades shard i+1 of N; the merge runs after every task, failed or not (afterany). When it names
# students without a grade, run this same command again: every shard runs, the students graded
# already are kept. deploy/README.md says what the nodes need.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
refuse() {
    echo "submit.sh: $*" >&2
    exit 1
}
[ $# -ge 3 ] && [ $# -le 5 ] || { echo "usage: $0 SUBMISSIONS OUT N [DATA_DIR] [ROSTER]" >&2; exit 2; }
[[ $3 =~ ^[1-9][0-9]*$ ]] || refuse "N is the number of shards, a whole number from 1 (got '$3')"
shards=$3
user=$(id -un 2>/dev/null || id -u)
command -v sbatch >/dev/null || refuse "sbatch not found: submit from a machine of the Slurm cluster"

python=${PYTHON:-$(command -v python || command -v python3 || true)}
[ -n "$python" ] || refuse "no python on PATH: activate the environment where movielens_lab is installed, or set PYTHON"
[[ $python == /* ]] || python=$(command -v "$python") || refuse "PYTHON=$PYTHON is not a command"
# The jobs run as $user with this interpreter: it must run, and import the package, for $user.
err=$("$python" -c 'import movielens_lab' 2>&1 >/dev/null) && status=0 || status=$?
case $status in
    0) ;;
    126|127) refuse "$user cannot run $python (the jobs run as $user): install movielens_lab where $user can read" \
                    "and run it (not in a virtual environment under another user's private home)" ;;
    *) refuse "$python cannot import movielens_lab as $user (${err##*$'\n'}): install it into that environment" ;;
esac

submissions=$(realpath -e -- "$1") || refuse "submissions $1 not found, or $user cannot reach it"
out=$(realpath -m -- "$2")
data=$(realpath -m -- "${4:-${MOVIELENS_DIR:-data}}")
roster=
if [ $# -ge 5 ]; then
    roster=$(realpath -e -- "$5") || refuse "roster $5 not found"
    [ -r "$roster" ] || refuse "$user cannot read the roster $roster"
fi
for path in "$submissions" "$out" "$data" "$roster" "$PWD"; do
    case $path in
        *$'\n'*) refuse "a path holds a line break: rename it ($path)" ;;
        *\\*) refuse "a path holds a backslash, which Slurm's log file names take as an escape: rename it ($path)" ;;
    esac
done

# As the jobs will: the course folder, every submission, the data folder, and the class recorded in OUT.
errors=$(mktemp)
trap 'rm -f -- "$errors"' EXIT
planned=$("$python" -m movielens_lab plan "$submissions" --out "$out" --shards "$shards" --data-dir "$data" \
          2>"$errors") || refuse "$(tail -n 1 -- "$errors")"
logs=$out/logs
mkdir -p -- "$logs" 2>/dev/null && [ -w "$logs" ] || refuse "$user cannot write the job logs into $logs"
pattern=${logs//%/%%}  # sbatch reads %A, %a, %j in --output: a % of the path is doubled

array=$(sbatch --parsable --job-name=movielens-grade --array="0-$((shards - 1))" \
        --output="$pattern/grade-%A_%a.out" "$here/grade-shards.sbatch" "$python" "$submissions" "$out" "$data" "$shards")
array=${array%%;*}  # --parsable prints JOBID[;CLUSTER]
merge=$(sbatch --parsable --job-name=movielens-merge --dependency="afterany:$array" \
        --output="$pattern/merge-%j.out" "$here/merge.sbatch" "$python" "$out" ${roster:+"$roster"})
merge=${merge%%;*}
echo "${planned##*$'\n'}"
echo "submitted: shards: job array $array ($shards tasks, task i grades shard i+1); merge: job $merge, after them all"
echo "logs: $logs/grade-${array}_<task>.out and $logs/merge-$merge.out"
echo "watch: squeue -j $array,$merge    afterwards: sacct -j $array,$merge; tail $logs/merge-$merge.out"
echo "results: $out/grades.csv once the merge is done; if it names students without a grade, run this command again"
