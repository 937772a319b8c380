"""Made-up partnerships, referrals and people acting on episodes: for the tests, the benchmark
and anyone rehearsing the system. Nothing here is personal data; every id is random."""
