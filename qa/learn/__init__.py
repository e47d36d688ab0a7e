"""The learned parts qa ships: small linear models stored as JSON, loaded and scored here (training lives in
bench/learn). Nothing here imports more than numpy."""
