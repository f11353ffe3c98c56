#!/usr/bin/env python3
"""`tlmmu sweep --slurm` against a real single-node Slurm started by this test.

Usage: slurm_cluster_test.py TLMMU WORKDIR TRACE

Starts munged (a key of its own), slurmctld and slurmd on localhost from the Debian
packages (slurm-wlm, munge) with a configuration written here, submits a 6-job sweep
over TRACE as a job array, cancels one array task while it runs and checks: --collect
reports exactly the cancelled job, a submission to a partition that does not
exist fails with sbatch's message and changes nothing, --slurm resubmits only the
cancelled job, and the final results.csv equals a local run of the same spec byte for
byte. The daemons are stopped in every case. Exit 77 (SKIP) only when the daemons
cannot be started on this machine, with the reason.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
DEADLINE = time.monotonic() + 100  # stay well inside the CTest timeout, cleanup included


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Fail(message)


def remaining(limit):
    return max(0.1, min(limit, DEADLINE - time.monotonic()))


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)\n"


class Cluster:
    """munged + slurmctld + slurmd in a temporary directory."""

    def __init__(self, base):
        self.base = base
        self.procs = {}
        self.env = dict(os.environ)
        self.conf = os.path.join(base, "slurm.conf")
        self.env["SLURM_CONF"] = self.conf
        for var in list(self.env):  # a Slurm job around the test must not leak in
            if var.startswith("SLURM_") and var != "SLURM_CONF":
                del self.env[var]
        self.job_ids = []

    def log(self, name):
        return os.path.join(self.base, name + ".log")

    def spawn(self, name, argv):
        out = open(self.log(name), "w")
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                            stdin=subprocess.DEVNULL)
        out.close()

    def died(self):
        for name, p in self.procs.items():
            if p.poll() is not None:
                return name
        return None

    def start(self):
        for tool in ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "scontrol", "sinfo"):
            if not shutil.which(tool):
                raise Skip(f"{tool} is not installed (Debian packages slurm-wlm and munge; tools/setup-deps.sh)")
        munge_dir = os.path.join(self.base, "munge")
        os.mkdir(munge_dir, 0o700)
        key = os.path.join(munge_dir, "munge.key")
        r = subprocess.run(["mungekey", "--create", "--keyfile", key], capture_output=True, text=True)
        if r.returncode != 0:
            raise Skip("mungekey cannot create a key: " + r.stderr.strip())
        os.chmod(key, 0o400)
        self.munge_socket = os.path.join(munge_dir, "munge.socket")
        # --force: munged refuses to start when a directory above its files is writable by
        # others without the sticky bit, as the temporary directory may be on some machines.
        self.spawn("munged", ["munged", "--foreground", "--force", "--key-file", key, "--socket", self.munge_socket,
                              "--pid-file", os.path.join(munge_dir, "munged.pid"),
                              "--seed-file", os.path.join(munge_dir, "munged.seed"),
                              "--log-file", os.path.join(munge_dir, "munged.log")])
        t_end = time.monotonic() + remaining(10)
        while not os.path.exists(self.munge_socket):
            if self.died() or time.monotonic() > t_end:
                raise Skip("munged does not start:\n" + tail(self.log("munged")))
            time.sleep(0.05)

        user = os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        is_root = os.geteuid() == 0
        ctld_port, slurmd_port = free_ports(2)
        cpus = os.cpu_count() or 1
        with open("/proc/meminfo") as f:
            mem_mb = int(next(l for l in f if l.startswith("MemTotal:")).split()[1]) // 1024
        # Half the memory: slurmd drains a node whose configured memory exceeds what it finds.
        real_memory = max(256, mem_mb // 2)
        for d in ("state", "spool"):
            os.mkdir(os.path.join(self.base, d))
        b = self.base
        conf = f"""# Written by tests/sweep/slurm_cluster_test.py: a one-node cluster on localhost.
ClusterName=tlmmu{os.getpid()}
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser={"root" if is_root else user}
SlurmdUser={"root" if is_root else user}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={b}/state
SlurmdSpoolDir={b}/spool
SlurmctldPidFile={b}/slurmctld.pid
SlurmdPidFile={b}/slurmd.pid
SlurmctldLogFile={b}/slurmctld.file.log
SlurmdLogFile={b}/slurmd.file.log
# No cgroups: they are not available (or not delegated) in containers.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
SchedulerType=sched/backfill
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=2
NodeName=localhost CPUs={cpus} RealMemory={real_memory} State=UNKNOWN
PartitionName=tlmmu Nodes=localhost Default=YES MaxTime=60 State=UP
"""
        with open(self.conf, "w") as f:
            f.write(conf)
        self.spawn("slurmctld", ["slurmctld", "-D", "-f", self.conf])
        self.spawn("slurmd", ["slurmd", "-D", "-N", "localhost", "-f", self.conf])
        t_end = time.monotonic() + remaining(25)
        state = ""
        while state != "idle":
            dead = self.died()
            if dead:
                raise Skip(f"{dead} exited at start:\n" + tail(self.log(dead)))
            if time.monotonic() > t_end:
                raise Skip(f"the node did not become idle (last state '{state}'):\n" + tail(self.log("slurmctld")) +
                           tail(self.log("slurmd")))
            r = subprocess.run(["sinfo", "--noheader", "--nodes=localhost", "--format=%T"], capture_output=True,
                               text=True, env=self.env, timeout=remaining(10))
            state = r.stdout.strip().rstrip("*~#")
            if state != "idle":
                time.sleep(0.2)

    def run(self, argv, **kw):
        return subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=remaining(60), **kw)

    def stop(self):
        # Jobs first: slurmstepd outlives slurmd, so a running task would stay behind.
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            for job in self.job_ids:
                subprocess.run(["scancel", job], env=self.env, capture_output=True, timeout=10)
            t_end = time.monotonic() + 10
            while self.job_ids and time.monotonic() < t_end:
                r = subprocess.run(["squeue", "--noheader", "--format=%i"], env=self.env, capture_output=True,
                                   text=True, timeout=10)
                if r.returncode != 0 or not r.stdout.strip():
                    break
                time.sleep(0.2)
        for name in ("slurmd", "slurmctld", "munged"):
            p = self.procs.get(name)
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def sweep(cluster, tlmmu, *args):
    r = cluster.run([tlmmu, "sweep", *args])
    sys.stderr.write(f"$ tlmmu sweep {' '.join(args)}\n-> exit {r.returncode}\n{r.stderr}")
    return r


def submissions(out):
    with open(os.path.join(out, "slurm", "submissions")) as f:
        return [l.split() for l in f if l.strip() and not l.startswith("#")]


def task_states(cluster, job):
    r = cluster.run(["squeue", "--noheader", "--array", "--states=all", f"--jobs={job}", "--format=%K %T"])
    return dict(l.split() for l in r.stdout.splitlines() if l.strip())


def main():
    tlmmu, work, trace = (os.path.abspath(a) for a in sys.argv[1:4])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.chdir(work)
    spec = os.path.join(work, "spec.json")
    with open(spec, "w") as f:
        json.dump({"description": "6 jobs over the sort trace",
                   "traces": [trace],
                   "axes": [{"set": "l1d.arrays", "name": "l1d",
                             "values": ["4k:4x4:lru", "4k:16x4:lru", "4k:64x4:lru"]},
                            {"os": "page_size", "values": ["4k", "2m"]}]}, f, indent=1)
    n_jobs, cancelled = 6, 4
    out = os.path.join(work, "cluster.sweep")
    # The jobs' program: tlmmu itself, except that job `cancelled` blocks the
    # first time it runs (until scancel kills it), so the kill hits a running task.
    started = os.path.join(work, "blocked-job-started")
    wrapper = os.path.join(work, "tlmmu-wrapper.sh")
    with open(wrapper, "w") as f:
        f.write(f"""#!/bin/sh
if [ "$SLURM_ARRAY_TASK_ID" = {cancelled} ] && [ ! -e {started} ]; then
    touch {started}
    sleep 60
fi
exec {tlmmu} "$@"
""")
    os.chmod(wrapper, 0o755)

    # A short path: munged's socket path must fit a sockaddr_un.
    base = tempfile.mkdtemp(prefix="tlmmu-slurm-")
    cluster = Cluster(base)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    try:
        try:
            cluster.start()
        except Skip as e:
            print(f"SKIP: a single-node Slurm cannot be started on this machine: {e}")
            return SKIP

        # The reference: the same spec run locally.
        r = subprocess.run([tlmmu, "sweep", "--jobs", "2", "--out", "local.sweep", spec], capture_output=True, text=True,
                           timeout=60)
        check(r.returncode == 0, "local sweep failed:\n" + r.stderr)

        # Job 4's program waits until it is killed, the first time: a task cancelled while it runs.
        r = sweep(cluster, tlmmu, "--slurm", "--partition", "tlmmu", "--time", "5", "--cpus-per-task", "1", "--mem",
                  "200M", "--program", wrapper, "--out", out, spec)
        check(r.returncode == 0, "--slurm failed")
        subs = submissions(out)
        check(len(subs) == 1 and subs[0][1] == f"0-{n_jobs - 1}", f"submissions: {subs}")
        job = subs[0][0]
        cluster.job_ids.append(job)
        with open(os.path.join(out, "slurm", "sweep.sbatch")) as f:
            script = f.read()
        check(f"sweep --job \"$job\" --out {out} --program {wrapper} {spec}" in script,
              "script:\n" + script)

        t_end = time.monotonic() + remaining(30)
        while not os.path.exists(started):
            check(time.monotonic() < t_end, f"job {cancelled} did not start: {task_states(cluster, job)}")
            time.sleep(0.1)
        r = cluster.run(["scancel", f"{job}_{cancelled}"])
        check(r.returncode == 0, "scancel: " + r.stderr)

        # Gathering: every task but the cancelled one has a result.
        r = sweep(cluster, tlmmu, "--collect", "--wait", "--out", out, spec)
        check(r.returncode == 1, "--collect with a cancelled task must exit 1")
        check(f"1 job ended without a result: {cancelled}\n" in r.stderr, "--collect does not name the cancelled job")
        check(f"Slurm task {job}_{cancelled} CANCELLED" in r.stderr, "--collect does not say it was cancelled")
        check(os.path.exists(os.path.join(out, "results.partial.csv")), "no results.partial.csv")
        check(not os.path.exists(os.path.join(out, "results.csv")), "results.csv present while a job has no result")
        with open(os.path.join(out, "results.partial.csv")) as f:
            check(len(f.readlines()) == n_jobs, "results.partial.csv: header + 5 rows expected")
        # A plain rerun of a submitted sweep gathers too (and runs nothing here).
        r = sweep(cluster, tlmmu, "--out", out, spec)
        check(r.returncode == 1 and f"without a result: {cancelled}\n" in r.stderr, "a plain rerun does not gather")

        # sbatch refuses an unknown partition: its message, nothing recorded.
        r = sweep(cluster, tlmmu, "--slurm", "--partition", "no-such-partition", "--out", out, spec)
        check(r.returncode == 1, "a rejected submission must exit 1")
        check("Invalid partition name specified" in r.stderr, "sbatch's message is not passed on")
        check(len(submissions(out)) == 1, "a rejected submission was recorded")

        # Resubmission: only the cancelled job; then everything is there.
        r = sweep(cluster, tlmmu, "--slurm", "--wait", "--partition", "tlmmu", "--out", out, spec)
        subs = submissions(out)
        if len(subs) > 1:
            cluster.job_ids.append(subs[-1][0])
        check(len(subs) == 2 and subs[1][1] == str(cancelled), f"resubmission: {subs}")
        check(r.returncode == 0, "--slurm --wait after the resubmission failed")
        check(not os.path.exists(os.path.join(out, "results.partial.csv")), "results.partial.csv left behind")
        with open(os.path.join(out, "results.csv"), "rb") as f:
            cluster_csv = f.read()
        with open(os.path.join(work, "local.sweep", "results.csv"), "rb") as f:
            local_csv = f.read()
        check(cluster_csv == local_csv, "results.csv differs from the local run")
        # Each task wrote its own result and the Slurm log of its task.
        for k in range(n_jobs):
            log = os.path.join(out, "slurm", "logs", f"{subs[1][0] if k == cancelled else job}_{k}.out")
            check(os.path.exists(log), f"no task log {log}")
    except Fail:
        for name in ("slurmctld", "slurmd"):
            sys.stderr.write(f"--- the end of {name}'s log:\n" + tail(cluster.log(name)))
        raise
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"PASS: {n_jobs} jobs through Slurm, task {cancelled} cancelled and resubmitted; CSV equals the local run")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
