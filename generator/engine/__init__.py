"""The machinery every step uses: the build cache, forked workers, child processes."""
