"""Evaluation of docqa: metrics for retrieval, answers, citations, refusals and latency.

Import the API from ``rag.eval.metrics``.
"""
