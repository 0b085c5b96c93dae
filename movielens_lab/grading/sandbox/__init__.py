"""Stage 2, where it runs: the grading sandbox, by role: each submission's kernel (and the judge) runs in one.

- ``client``: the grader's side; writes the grading kernelspec, whose command is the supervisor,
  and says whether the sandbox can be set up here (``probe``).
- ``supervisor``: that command, outside the sandbox; starts ``unshare`` running ``inside``, in a
  cgroup of its own (``cgroups``), and kills it all when told to, out of time, or orphaned.
- ``inside``: the namespaces' first process; builds the file system, sets the limits, drops
  privileges and runs the kernel.
"""
