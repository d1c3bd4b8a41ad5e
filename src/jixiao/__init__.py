"""jixiao (绩效): read, re-score and check budget performance self-evaluation reports."""

__version__ = "0.1.0"
