"""A process's own peak resident memory; no imports beyond the standard library, so the
Prosimos driver (run by another interpreter, without zsa-sim) can use it too."""


def peak_mb() -> float:
    """This process's own peak resident memory (VmHWM), in MB.

    Not ``getrusage``: on Linux its ``ru_maxrss`` keeps the high-water mark of the
    image that ``exec`` replaced, i.e. of the (forked) parent, which would count the
    benchmark harness's memory as the child's.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
