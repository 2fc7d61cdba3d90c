"""Summaries of training runs: their evaluations, statistics over runs, reports and plots."""
from .paper_results import PAPER_RESULTS, PaperResult, paper_result
from .run_records import Evaluation, RunRecord, read_run, validations_from_scalars
from .run_summary import run_statistics, summarize_group

__all__ = [
    'PAPER_RESULTS', 'Evaluation', 'PaperResult', 'RunRecord', 'paper_result', 'read_run',
    'run_statistics', 'summarize_group', 'validations_from_scalars'
]
