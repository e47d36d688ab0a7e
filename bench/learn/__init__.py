"""Training scripts for the learned parts shipped in qa/learn (see bench/learn/README.md)."""
