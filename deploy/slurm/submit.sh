#!/bin/bash
# Grade a class on Slurm: N shards at once (a job array), then one merge job once they are all over.
#
#   deploy/slurm/submit.sh SUBMISSIONS OUT N [DATA_DIR] [ROSTER]
#
# SUBMISSIONS, OUT and DATA_DIR (default $MOVIELENS_DIR, else ./data) must lie on a file system
# every node mounts. Submit from a shell where movielens_lab is installed (the jobs inherit its
# environment, PATH and virtual environment included). Array tasks are numbered 0..N-1 and
# grade --shard 1/N..N/N. The merge runs after every task, whether it failed or not
# (afterany), and fails, naming the students without a grade and their shards, when any is
# missing; grade those again with
#   sbatch --array=I,J --export=ALL,SUBMISSIONS=...,OUT=...,DATA=...,SHARDS=N grade-shards.sbatch
# (I = K-1 for shard K/N; students graded already are kept), then merge again:
#   python -m movielens_lab merge OUT
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 SUBMISSIONS OUT N [DATA_DIR] [ROSTER]" >&2
    exit 2
fi
submissions=$(realpath "$1")
out=$(realpath -m "$2")
shards=$3
data=$(realpath "${4:-${MOVIELENS_DIR:-data}}")
roster=${5:+$(realpath "$5")}
here=$(dirname "$(realpath "$0")")

array=$(sbatch --parsable --array="0-$((shards - 1))" \
        --export="ALL,SUBMISSIONS=$submissions,OUT=$out,DATA=$data,SHARDS=$shards" "$here/grade-shards.sbatch")
array=${array%%;*}  # --parsable prints JOBID[;CLUSTER]
merge=$(sbatch --parsable --dependency="afterany:$array" --export="ALL,OUT=$out,ROSTER=$roster" \
        "$here/merge.sbatch")
echo "shards: job array $array (${shards} tasks); merge: job ${merge%%;*} after them; results in $out"
