"""What every benchmark script shares: writing its results section."""


def write_report(report, out):
    """Writes the Markdown section to the file `out`, or to stdout when `out` is "-"."""
    if out == "-":
        print(report)
    else:
        with open(out, "w") as f:
            f.write(report)
