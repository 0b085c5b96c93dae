#!/bin/sh
# Grade a class on Kubernetes: copy the submissions and the data to the shared volume, run the
# shards (an Indexed Job), then the merge, and copy the grading folder back.
#
#   deploy/kubernetes/run.sh SUBMISSIONS.zip DATA_DIR OUT
#
# DATA_DIR holds ml-1m/ (python -m movielens_lab data fetch, or data twin). When the merge names
# students without a grade (a shard failed twice), run the script again: every shard runs, and
# the students graded already are kept.
set -eu
if [ $# -ne 3 ]; then
    echo "usage: $0 SUBMISSIONS.zip DATA_DIR OUT" >&2
    exit 2
fi
here=$(dirname "$0")

state() {  # the conditions that hold of the Job $1 (Complete, Failed...)
    kubectl get "job/$1" -o jsonpath='{.status.conditions[?(@.status=="True")].type}'
}

over() {  # wait until the Job $1 has completed or failed
    until state "$1" | grep -qwE 'Complete|Failed'; do
        sleep 30
    done
}

kubectl apply -f "$here/volume.yaml"
kubectl wait --for=condition=Ready --timeout=10m pod/movielens-files
kubectl cp "$1" movielens-files:/grading/submissions.zip
# The data once only: a new copy is a new file to grade against, and every student is graded again.
kubectl exec movielens-files -- test -f /grading/data/ml-1m/ratings.dat \
    || kubectl cp "$2" movielens-files:/grading/data
kubectl delete job/movielens-grade job/movielens-merge --ignore-not-found
kubectl apply -f "$here/shards.yaml"
over movielens-grade
kubectl apply -f "$here/merge.yaml"
over movielens-merge
kubectl logs job/movielens-merge
kubectl cp movielens-files:/grading/out "$3"
state movielens-merge | grep -qw Complete  # a failed merge (students without a grade) fails the script
