"""Measure answer quality: our question files, SQuAD v1.1 and BEIR, each method side by side.

Flow: ``datasets`` reads a collection into Articles and questions, ``corpus`` builds (or reuses) a cached index of
those Articles with the normal build machinery, ``runner`` asks every question through the same Answerer or Searcher
the app uses and scores the results with ``metrics``; ``report`` turns the scores into rich tables.
"""
